"""Escalation forms: the written answer to a 督办单, and the levels that reach a user."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..web.forms import options, version_field
from .commands import ANSWER_LONGEST


class AnswerForm(FlaskForm):
    version = version_field()
    answer = TextAreaField(_l("Written answer (书面答复): cause and measures"),
                           validators=[DataRequired(), Length(max=ANSWER_LONGEST)])


class LevelsForm(FlaskForm):
    levels = SelectMultipleField(_l("Escalation levels that reach me"), choices=[],
                                 widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput())

    def set_choices(self, pairs: list[tuple[str, str]]) -> None:
        self.levels.choices = options(pairs)
