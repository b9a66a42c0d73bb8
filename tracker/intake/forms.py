"""The screening form (甄别)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..web.forms import local_instant, options, version_field


class ScreenForm(FlaskForm):
    version = version_field()
    decision = RadioField(_l("Decision"), validators=[InputRequired()], choices=options([
        ("needs_water", _l("Needs water: create a 101 application")),
        ("no_need", _l("No need for water"))]))
    requested_at = local_instant(
        _l("Requested connection time"),
        description=_l("The 101 clock starts here; leave blank to keep the platform's time."))
    reason = TextAreaField(_l("Reason (required for no need)"), validators=[Length(max=2000)])
