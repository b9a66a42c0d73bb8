"""Forms of the public pages (CSRF on every POST form) and of the staff appointment list."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..web.forms import options

PURPOSES = {"domestic": _l("Domestic use"), "business": _l("Business or production"),
            "construction": _l("Temporary use during construction"),
            "fire": _l("Fire protection")}
PERIODS = {"morning": _l("Morning"), "afternoon": _l("Afternoon")}


class ProgressForm(FlaskForm):
    """A lookup by GET (nothing changes): no CSRF token, the query string is the interface."""

    class Meta:
        csrf = False

    number = StringField(_l("Application number"), validators=[DataRequired(), Length(max=40)],
                         description=_l("On your acceptance notice, e.g. 201-2026-000123."))
    phone = StringField(_l("Last four digits of the contact phone"),
                        validators=[DataRequired(), Regexp(r"^\d{4}$", message=_l("Four digits."))])


class AppointmentForm(FlaskForm):
    """Every field is checked by the service, so that all mistakes are shown at once."""

    customer_type = SelectField(_l("You are"), choices=[])
    customer_name = StringField(_l("Company or your name"),
                                validators=[Optional(), Length(max=200)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=100)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=40)],
                                description=_l("We send text messages to a mobile number."))
    address = StringField(_l("Address of the connection"),
                          validators=[Optional(), Length(max=300)])
    purpose = SelectField(_l("Water for"), choices=[])
    preferred_day = DateField(_l("Preferred day for the site visit"), validators=[Optional()])
    preferred_period = SelectField(_l("Time of day"), choices=[], validators=[Optional()])
    note = TextAreaField(_l("Anything else we should know"),
                         validators=[Optional(), Length(max=1000)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.customer_type.choices = options([("company", _l("A company")),
                                              ("person", _l("A person"))])
        self.purpose.choices = options(list(PURPOSES.items()))
        self.preferred_period.choices = options(list(PERIODS.items()))


class AcceptForm(FlaskForm):
    flow = SelectField(_l("Flow"), choices=[])
    version = HiddenField()


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Why not"), validators=[DataRequired(), Length(max=1000)])
    version = HiddenField()
