"""Problem-library forms: a new problem, and one form per stage."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..web.forms import in_clock_range, local_instant, options, version_field


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


STAGE_FORMS = {"verifying": VerifyForm, "rectifying": RectifiedForm, "rechecking": RecheckForm}
