"""The one phone rule (tracker/phone.py): the forms Chinese clerks and customers type are
taken, anything else is refused with examples; the mobile number an SMS can go to."""
from __future__ import annotations

import pytest

from tracker import create_app
from tracker.config import TestingConfig
from tracker.phone import NOT_A_PHONE, mobile, phone_error
from tracker.settings import SettingsError

ACCEPTED = [
    "13905530000", "139 0553 0000", "139-0553-0000", "+8613905530000", "+86 139 0553 0000",
    "0086 13905530000", "0086-139-0553-0000", "19912345678",
    "0553-5551234", "0553 5551234", "(0553)5551234", "(0553) 5551234", "010-87654321",
    "0532-87203111", "0553-555-1234", "0553-5551234-123", "0553-5551234转123",
    "0553-5551234 转 123", "0553-5551234 ext 123", "0553-5551234 ext.123", "0553-5551234 x12",
    "5551234", "87654321", "8765-4321", "5551234-12",
    "95598", "955888", "96390", "0553-96306", "400-123-4567", "4001234567", "800 123 4567",
    "  13905530000  ", "",
]
REFUSED = [
    "abc-电话", "12", "12345", "1234567", "0123456", "1390553000", "139055300001",
    "12905530000", "05535551234", "0553-555123", "0553--5551234", "+86 0553-5551234",
    "-1", "=1+1", "13905530000abc", "１３９０５５３００００", "400-123-456", "0553-5551234-",
    "0553-5551234转", "tel:13905530000",
]


@pytest.mark.parametrize("phone", ACCEPTED)
def test_the_forms_people_type_are_taken(phone):
    assert phone_error(phone) is None


@pytest.mark.parametrize("phone", REFUSED)
def test_anything_else_is_refused_with_examples(phone):
    assert phone_error(phone) == NOT_A_PHONE
    assert "13905530000" in NOT_A_PHONE and "0553-5551234" in NOT_A_PHONE


def test_a_value_too_long_for_the_column_gets_the_length_error_instead():
    assert phone_error("1" * 41) is None


@pytest.mark.parametrize(("phone", "digits"), [
    ("13905530000", "13905530000"), ("+86 139-0553-0000", "13905530000"),
    ("0086 139 0553 0000", "13905530000"), ("0553-5551234", None), ("95598", None),
    ("abc", None), ("", None)])
def test_an_sms_goes_to_the_eleven_digits_of_a_mobile_only(phone, digits):
    assert mobile(phone) == digits


def test_a_utility_phone_that_is_no_phone_stops_the_start_up():
    with pytest.raises(SettingsError, match="^TRACKER_UTILITY_PHONE:"):
        create_app(TestingConfig, TRACKER_UTILITY_PHONE="call us")
