"""After-care forms: a callback's result, closing a follow-up, the 好差评 upload."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..web.forms import options, version_field

YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]


class CallbackResultForm(FlaskForm):
    version = version_field()
    reached = RadioField(_l("Customer reached?"), choices=options(YES_NO),
                         validators=[InputRequired()])
    satisfied = RadioField(_l("Satisfied?"), choices=options(YES_NO), validators=[Optional()])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=2000)])


class FollowUpCloseForm(FlaskForm):
    version = version_field()
    action_taken = TextAreaField(_l("What was done"),
                                 validators=[DataRequired(), Length(max=4000)])
    evidence = TextAreaField(_l("Evidence (photos, signed form, …)"),
                             validators=[Length(max=4000)])


class AssignForm(FlaskForm):
    """责成相关部门处理: the department a "not satisfied" callback is charged to."""

    version = version_field()
    department = SelectField(_l("Responsible department"), validators=[InputRequired()])


SOURCES = [("haochaping", _l("好差评 (good/bad reviews)")),
           ("government_survey", _l("Government third-party survey"))]


class ImportForm(FlaskForm):
    # left out (an older client of the page): 好差评
    source = SelectField(_l("Source"), choices=options(SOURCES), default="haochaping",
                         validators=[Optional()])
    file = FileField(_l("CSV file (UTF-8)"), validators=[FileRequired()])
