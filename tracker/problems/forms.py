"""Problem-library forms: a new problem, and one form per stage."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..sla import FIRST_YEAR, LAST_YEAR
from ..web.forms import in_clock_range, local_instant, options, proxy_reason_field, version_field


class NewProblemForm(FlaskForm):
    source = SelectField(_l("Source"), choices=[], validators=[DataRequired()])
    description = TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=4000)])
    location = StringField(_l("Where it was found"), validators=[Length(max=300)])
    department = SelectField(_l("Responsible department"), choices=[],
                             validators=[DataRequired()])
    reported_at = local_instant(_l("Reported at"),
                                description=_l("Leave blank for now; the verification "
                                               "clock starts here."))


class VerifyForm(FlaskForm):
    version = version_field()
    outcome = RadioField(_l("Verification result"), validators=[InputRequired()],
                         choices=options([("rectify", _l("A problem: rectify by the deadline")),
                                          ("not_problem", _l("Not a problem"))]))
    rectify_due_on = DateField(_l("Rectify by (close of office that day)"),
                               validators=[Optional(), in_clock_range])
    note = TextAreaField(_l("Findings (the reason when not a problem)"),
                         validators=[Length(max=4000)])


class RectifiedForm(FlaskForm):
    version = version_field()
    note = TextAreaField(_l("What was rectified"), validators=[DataRequired(), Length(max=4000)])


class RecheckForm(FlaskForm):
    version = version_field()
    outcome = RadioField(_l("Re-check result"), validators=[InputRequired()],
                         choices=options([("passed", _l("Passed: close the problem (销号)")),
                                          ("failed", _l("Not passed: back to rectification"))]))
    rectify_due_on = DateField(_l("New deadline when sent back"),
                               validators=[Optional(), in_clock_range])
    note = TextAreaField(_l("Note (the reason when not passed)"), validators=[Length(max=4000)])


for _form in (VerifyForm, RectifiedForm, RecheckForm):
    _form.proxy_reason = proxy_reason_field()


class IssueForm(FlaskForm):
    version = version_field()
    at = local_instant(_l("Issued to the department at"), description=_l("Leave blank for now; the 3 working "
                                                       "days of verification start here."))


class AdjustForm(FlaskForm):
    version = version_field()
    department = SelectField(_l("Responsible department"), choices=[],
                             validators=[DataRequired()])
    description = TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=4000)])
    rectify_due_on = DateField(_l("Rectify by (close of office that day)"),
                               validators=[Optional(), in_clock_range])
    reason = TextAreaField(_l("Why it is adjusted"), validators=[DataRequired(), Length(max=4000)])


class FindingForm(FlaskForm):
    points = DecimalField(_l("Points deducted"), places=1,
                          validators=[InputRequired(), NumberRange(min=0.1, max=100)])
    year = IntegerField(_l("Annual assessment of"), validators=[Optional(),
                                                                NumberRange(min=FIRST_YEAR, max=LAST_YEAR)])
    reason = TextAreaField(_l("Finding (perfunctory handling, no real rectification)"),
                           validators=[DataRequired(), Length(max=4000)])


STAGE_FORMS = {"verifying": VerifyForm, "rectifying": RectifiedForm, "rechecking": RecheckForm}
