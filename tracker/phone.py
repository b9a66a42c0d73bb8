"""Phone numbers a clerk or a customer types: the one check for every form, API schema and
service that takes one, and the mobile number an SMS can go to. Nothing is normalised but the
spaces around the number: what is accepted is stored as typed."""
from __future__ import annotations

import re

# 11 digits from 13x to 19x, grouped 3-4-4 with a space or hyphen if the typist likes,
# optionally after +86 / 0086.
_MOBILE = r"(?:(?:\+86|0086)[ -]?)?(?P<mobile>1[3-9]\d[ -]?\d{4}[ -]?\d{4})"
# A local number of 7 or 8 digits, optionally split once; without its area code it cannot
# start with 0 or 1 (that would be a mobile or an area code cut short).
_LOCAL = r"\d{3,4}[ -]?\d{4}"
_AREA = r"(?:0\d{2,3}[ -]|\(0\d{2,3}\) ?)"
_EXTENSION = r"(?:-|\s*转\s*|\s*(?:ext\.?|x)\s*)\d{1,6}"
_LANDLINE = rf"(?:{_AREA}{_LOCAL}|(?=[2-9]){_LOCAL})(?:{_EXTENSION})?"
# Service numbers: 95xxx (banks, State Grid), 96xxx (local utilities, often after their area
# code: 0553-96306), 400/800-xxx-xxxx.
_SERVICE = rf"{_AREA}?9[56]\d{{3,6}}|[48]00[ -]?\d{{3}}[ -]?\d{{4}}"
PHONE = re.compile(rf"(?:{_MOBILE}|{_LANDLINE}|{_SERVICE})", re.IGNORECASE)
MOBILE = re.compile(_MOBILE)
LONGEST = 40  # the columns' width; a longer value gets the length error instead


NOT_A_PHONE = ("Not a phone number. Give a mobile (13905530000, +86 139 0553 0000), a landline "
               "with its area code (0553-5551234, (0553)5551234, 0553-5551234-123) or a service "
               "number (95598, 400-123-4567).")


def phone_error(value: str | None) -> str | None:
    """None for a blank value or a phone number we accept; otherwise the msgid saying why,
    with examples (None for one longer than LONGEST: its length is the error to give)."""
    text = (value or "").strip()
    if not text or len(text) > LONGEST or PHONE.fullmatch(text):
        return None
    return NOT_A_PHONE


def mobile(value: str | None) -> str | None:
    """The 11 digits of a mobile number (what an SMS gateway takes), or None for a landline,
    a service number or anything else."""
    found = MOBILE.fullmatch((value or "").strip())
    return re.sub(r"\D", "", found.group("mobile")) if found else None
