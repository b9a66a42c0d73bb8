"""The assessment's forms: an item's points, a back-dated item's confirmation or waiver, a
discretionary item, issuing, an appeal and its decision."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..web.forms import options, version_field


class PointsForm(FlaskForm):
    version = version_field()
    key = HiddenField(validators=[DataRequired(), Length(max=300)])
    points = DecimalField(_l("Points"), places=None, validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)],
                           description=_l("Required when the points differ from the default."))


class BackdatedForm(FlaskForm):
    version = version_field()
    key = HiddenField(validators=[DataRequired(), Length(max=300)])
    outcome = RadioField(_l("Back-dated lateness"), validators=[InputRequired()],
                         choices=options([("confirm", _l("Confirm: it counts")),
                                          ("waive", _l("Waive: it does not count"))]))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class ItemForm(FlaskForm):
    version = version_field()
    department = SelectField(_l("Department"), choices=[], validators=[DataRequired()])
    rule = SelectField(_l("Rule"), choices=[], validators=[DataRequired()])
    points = DecimalField(_l("Points"), places=None, validators=[InputRequired()],
                          description=_l("Within the rule's range (督查办: percent of the "
                                         "monthly bonus)."))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    evidence = StringField(_l("Evidence"), validators=[Length(max=2000)],
                           description=_l("A reference: file number, notice, photo name."))


class IssueForm(FlaskForm):
    version = version_field()


class AppealForm(FlaskForm):
    version = version_field()
    key = HiddenField(validators=[DataRequired(), Length(max=300)])
    reason = TextAreaField(_l("Grounds of the appeal"), validators=[DataRequired(),
                                                                    Length(max=2000)])


class DecisionForm(FlaskForm):
    version = version_field()
    outcome = RadioField(_l("Decision on the appeal"), validators=[InputRequired()],
                         choices=options([("upheld", _l("Upheld: change or remove the item")),
                                          ("rejected", _l("Rejected: the item stays"))]))
    points = DecimalField(_l("New points (leave empty to remove the item)"), places=None,
                          validators=[Optional()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
