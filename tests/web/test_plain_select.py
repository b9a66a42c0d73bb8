"""web.forms.PlainSelect draws the same HTML as WTForms' Select (it only skips html_params for
plain options): values and labels with characters to escape, Markup ones, the selected one,
booleans, options with render_kw, extra attributes."""
from __future__ import annotations

from markupsafe import Markup
from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from tracker.web.forms import PlainSelect

CHOICES = [
    SelectChoice("", "— none —"),
    SelectChoice("a&b", 'say "hi" <b>'),
    SelectChoice("资料", "资料"),
    SelectChoice(Markup('x"y'), Markup("<i>safe</i>")),
    SelectChoice(True, "yes"),
    SelectChoice("plain", ""),
    SelectChoice("kw", "with render_kw", render_kw={"disabled": True, "data_x": "1"}),
]


def _drawn(widget, data, **kwargs) -> str:
    class Picked(Form):
        kind = SelectField("Kind", choices=CHOICES, widget=widget, validate_choice=False)

    form = Picked(data={"kind": data}, prefix="p")
    return str(form.kind(**kwargs))


def test_plain_select_draws_what_select_draws():
    for data in (None, "", "a&b", "资料", 'x"y', True, "plain", "kw"):
        for kwargs in ({}, {"class_": "input"}, {"required": True, "id": "other"}):
            assert _drawn(PlainSelect(), data, **kwargs) == _drawn(Select(), data, **kwargs)
    assert 'selected value="a&amp;b"' in _drawn(PlainSelect(), "a&b")
