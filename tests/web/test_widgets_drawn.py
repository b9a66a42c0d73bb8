"""web.widgets draws what WTForms, Flask-WTF and macros.html's old `field` macro drew, byte for
byte: every field of every form of the pages (each FlaskForm subclass of tracker), unbound,
bound to typed values with characters to escape, validated (errors shown), with extra
attributes and with a field's render_kw; html_params on values of every kind."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import (
    DateField,
    Form,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange
from wtforms.widgets import core as wtforms_widgets

from tracker.localtime import LOCAL
from tracker.services.flows import current_versions, definition_of
from tracker.web import widgets
from tracker.web.forms import local_instant, new_application_form

# macros.html's `field` as it was before web.widgets drew it (the reference).
OLD_FIELD = """{% macro field(f, hint=true, wrap_class="") -%}
{%- set attrs = {"class": "input"} -%}
{%- if f.errors %}{% set _e = attrs.update({"aria-invalid": "true", "aria-describedby": f.id ~ "-errors"}) %}{% endif -%}
{%- set _k = attrs.update(kwargs) -%}
<div class="field{% if f.errors %} has-error{% endif %} {{ wrap_class }}">
  {%- if f.type == "BooleanField" %}
  <label>{{ f(**kwargs) }} {{ f.label.text }}</label>
  {%- elif f.type == "RadioField" %}
  <fieldset><legend>{{ f.label.text }}</legend>
    {% for option in f %}<label class="radio">{{ option(**kwargs) }} {{ option.label.text }}</label>{% endfor %}
  </fieldset>
  {%- else %}
  {{ f.label(class="label") }}
  {{ f(**attrs) }}
  {%- endif %}
  {%- if hint and f.description %}<p class="hint">{{ f.description }}</p>{% endif %}
  {%- if f.errors %}
  <ul class="errors" id="{{ f.id }}-errors">{% for e in f.errors %}<li>{{ e }}</li>{% endfor %}</ul>
  {%- endif %}
</div>
{%- endmacro %}"""
CALLS = """{{ old.field(f) }}|{{ old.field(f, rows=2) }}|{{ old.field(f, hint=false, wrap_class="w<x>") }}|\
{{ old.field(f, class_="other", data_role="r", required=true, disabled=false) }}"""
NEW_CALLS = """{{ widgets.field(f) }}|{{ widgets.field(f, rows=2) }}|\
{{ widgets.field(f, hint=false, wrap_class="w<x>") }}|\
{{ widgets.field(f, class_="other", data_role="r", required=true, disabled=false) }}"""
# Values with characters to escape, for any kind of field (a non-text field refuses them).
TYPED = 'a & "b" <c> 资料'
ATTRIBUTES = ({}, {"class_": "input"}, {"rows": 2, "data_x": 'q"<'}, {"required": True},
              {"disabled": False, "aria_label": Markup('m"k')}, {"id": "other", "value": 3},
              {"min": date(2026, 1, 2), "max": datetime(2026, 3, 4, 5, 6)})


def _form_classes() -> list[type]:
    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("tracker."):
            found.append(cls)
    return found


def _with_choices(form):
    """Choices for a select a page fills in: escaped texts, a Markup one, one selected."""
    for f in form:
        if hasattr(f, "choices") and not f.choices:
            f.choices = [SelectChoice("", "— none —"), SelectChoice("x&y", 'say "hi"'),
                         SelectChoice(TYPED, TYPED), SelectChoice("m", Markup("<i>m</i>"))]
    return form


def _forms(app):
    """Every form of the pages, unbound, bound to typed values, and validated."""
    forms = []
    for cls in _form_classes():
        forms.append(_with_choices(cls(formdata=None, prefix="u")))
        typed = MultiDict()
        for f in cls(formdata=None, prefix="t")._fields.values():
            typed.add(f.name, TYPED)
            typed.add(f.name, "2026-12-03T09:30")
        bound = _with_choices(cls(formdata=typed, prefix="t"))
        bound.validate()
        forms.append(bound)
    flows = [definition_of(row) for row in current_versions().values()]
    forms.append(new_application_form(flows, "zh", owners=[("a&b", "A <b>")]))
    return forms


def _check_form(app, form) -> int:
    old = app.jinja_env.from_string(OLD_FIELD).module
    old_calls, new_calls = (app.jinja_env.from_string(CALLS), app.jinja_env.from_string(NEW_CALLS))
    if isinstance(form, FlaskForm):
        assert widgets.hidden_tag(form) == form.hidden_tag()
    checked = 0
    for f in form:
        for attrs in ATTRIBUTES:
            assert widgets.render(f, **attrs) == f(**attrs), (type(form), f.name, attrs)
        assert widgets.label(f, **{"class": "label"}) == f.label(class_="label")
        assert widgets.label(f) == f.label()
        assert widgets.label(f, for_="x") == f.label(for_="x")
        assert (new_calls.render(f=f, widgets=widgets) == old_calls.render(f=f, old=old)), \
            (type(form), f.name)
        checked += 1
    return checked


@pytest.mark.parametrize("lang", ["zh", "en"])  # English words have apostrophes (not escaped)
def test_every_form_of_the_pages_is_drawn_as_wtforms_draws_it(app, lang):
    with app.test_request_context(f"/?lang={lang}"):
        app.preprocess_request()
        checked = sum(_check_form(app, form) for form in _forms(app))
    assert checked > 200


class _Between:
    """A validator that gives a date input its min and max flags (one a callable)."""

    field_flags = {"min": date(2026, 1, 1), "max": lambda: date(2026, 12, 31)}

    def __call__(self, form, field) -> None:
        pass


class _Odd(Form):
    """Fields of kinds the pages have few of, and render_kw."""

    name = StringField("Name <n>", validators=[DataRequired(), Length(min=2, max=9)],
                       render_kw={"class": "own", "placeholder": 'p"q'}, description="d & e")
    text = TextAreaField("Text", validators=[Length(max=5)], render_kw={"rows": 4})
    pick = SelectField("Pick", choices=[SelectChoice("a", "A"), SelectChoice("b", "B")],
                       render_kw={"required": True})
    grouped = SelectField("Grouped", choices=[SelectChoice("g", "G1", optgroup="G"),
                                              SelectChoice("h", "H1", optgroup="H <h>")])
    many = RadioField("Many", choices=[SelectChoice("1", "one"), SelectChoice("2", "two <2>")])
    at = local_instant("At", render_kw={"min": datetime(2026, 1, 1, tzinfo=LOCAL)})
    flagged = IntegerField("Flagged", validators=[NumberRange(min=1, max=5)],
                           widget=wtforms_widgets.TextInput())
    day = DateField("Day", validators=[_Between()])


def test_odd_fields_and_render_kw(app):
    with app.test_request_context("/"):
        for data in (None, MultiDict({"name": "<x>", "text": "long text", "pick": "b",
                                      "grouped": "h", "many": "2", "at": "2026-01-02T03:04",
                                      "flagged": "7", "day": "2026-02-03"})):
            form = _Odd(formdata=data)
            form.validate()
            _check_form(app, form)


def test_html_params_as_wtforms_writes_them():
    values = ["", "plain", 'q"<&>', Markup('m"<b>'), 0, 12, 1.5, None, True, False,
              date(2026, 1, 2), "资料"]
    for value in values:
        for key in ("value", "class_", "data_long_name", "aria_described_by", "for", "_x"):
            assert widgets.html_params(**{key: value}) == wtforms_widgets.html_params(
                **{key: value}), (key, value)
    several = {"name": "n", "class_": "c", "class": "d", "checked": True, "readonly": False,
               "data_a_b": 1, "id": 'i"'}
    assert widgets.html_params(**several) == wtforms_widgets.html_params(**several)
    assert widgets.html_params() == wtforms_widgets.html_params()
