"""Form fields drawn in Python: the HTML of WTForms' widgets and labels, of Flask-WTF's
`hidden_tag()` and of macros.html's `field`, byte for byte.

Why: WTForms writes each attribute with `Markup('{k}="{v}"').format(...)` (html_params,
~37 µs for an input's five attributes), and reads a field's flags through `dir()`; the
application page draws 45 inputs, labels and hidden fields that way, a sixth of its CPU
(issue 15). `html_params` here gives the same string without Markup.format.

Only what this module knows is drawn here: the widget classes in `_DRAW` (exactly those
classes, not subclasses, which may draw otherwise), fields whose `__call__`, meta's
`render_field`, flags and label are WTForms' own. Anything else goes to WTForms itself, so
the output never differs; `tests/web/test_widgets_drawn.py` holds every form of the
pages to WTForms' drawing, bound and unbound, with errors and extra attributes."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape
from wtforms.fields.core import Field, Flags, Label
from wtforms.meta import DefaultMeta
from wtforms.widgets import core as w

from .forms import PlainSelect
from .labels import word

_FIELD_CALL = Field.__call__
_RENDER_FIELD = DefaultMeta.render_field
_LABEL_CALL = Label.__call__


def _plain(text: Any) -> Any:
    """A lazy string (a field's label or description) translated once (labels.word: looked up
    once per language), as what escape() makes of it (its __html__: the translation, not
    escaped); escape() and a truth test would each translate it again (escape twice: its
    __html__ probe, then the call), ~6 µs a time, five times a field."""
    return Markup(word(text)) if isinstance(text, LazyString) else text


def _clean_key(key: str) -> str:
    """wtforms.widgets.core.clean_key."""
    key = key.rstrip("_")
    if key.startswith(("data_", "aria_")):
        key = key.replace("_", "-")
    return key


def html_params(**kwargs: Any) -> Markup:
    """wtforms.widgets.html_params: the attributes sorted by name (as given, before `class_`
    loses its underscore), `True` written bare, `False` left out, values escaped (a Markup
    value's own quotes too)."""
    parts = []
    for key in sorted(kwargs):
        value = kwargs[key]
        name = escape(_clean_key(key))
        if value is True:
            parts.append(str(name))
        elif value is not False:
            text = str(escape(value))
            if '"' in text:  # only a Markup value keeps a quote through escape()
                text = text.replace('"', "&quot;")
            parts.append(f'{name}="{text}"')
    return Markup(" ".join(parts))


def _flag_attrs(field: Any, names: list[str], kwargs: dict[str, Any],
                call: bool) -> None:
    """The widget's validation attributes from the field's flags (what `dir(flags)` finds:
    a Flags' public names are its own attributes)."""
    flags = vars(field.flags)
    for name in names:
        if name in flags and name not in kwargs:
            value = flags[name]
            kwargs[name] = value() if call and callable(value) else value


def _input(widget: Any, field: Any, kwargs: dict[str, Any]) -> Markup:
    """wtforms.widgets.Input.__call__."""
    kwargs.setdefault("id", field.id)
    kwargs.setdefault("type", widget.input_type)
    if "value" not in kwargs:
        kwargs["value"] = field._value()
    datalist = getattr(field, "_datalist", None)
    if datalist is not None and "list" not in kwargs:
        kwargs["list"] = datalist if isinstance(datalist, str) else datalist.id
    _flag_attrs(field, widget.validation_attrs, kwargs, call=True)
    return Markup(f"<input {html_params(name=field.name, **kwargs)}>")


def _date_input(widget: Any, field: Any, kwargs: dict[str, Any]) -> Markup:
    """wtforms.widgets.core._DateTimeBaseInput.__call__ (min and max in the field's format)."""
    format = getattr(field, "format", None)
    if format is not None:
        format = format[0] if isinstance(format, list) else format
        for attr in ("min", "max"):
            value = kwargs.get(attr, getattr(field.flags, attr, None))
            if callable(value):
                value = value()
            if hasattr(value, "strftime"):
                kwargs[attr] = value.strftime(format)
    return _input(widget, field, kwargs)


def _textarea(widget: Any, field: Any, kwargs: dict[str, Any]) -> Markup:
    """wtforms.widgets.TextArea.__call__."""
    kwargs.setdefault("id", field.id)
    _flag_attrs(field, widget.validation_attrs, kwargs, call=False)
    return Markup(f"<textarea {html_params(name=field.name, **kwargs)}>\r\n"
                  f"{escape(field._value())}</textarea>")


def _option(choice: Any) -> str:
    """wtforms.widgets.Select.render_option of one choice (PlainSelect draws the same)."""
    value = choice.value
    if isinstance(value, bool):
        value = str(value)
    options = {"value": value, **(choice.render_kw or {})}
    if choice.selected:
        options["selected"] = True
    return f"<option {html_params(**options)}>{escape(choice.label or choice.value)}</option>"


def _select(widget: Any, field: Any, kwargs: dict[str, Any]) -> Markup | None:
    """wtforms.widgets.Select.__call__ of a select without option groups (None otherwise)."""
    if field.has_groups():
        return None
    kwargs.setdefault("id", field.id)
    if widget.multiple:
        kwargs["multiple"] = True
    _flag_attrs(field, widget.validation_attrs, kwargs, call=False)
    options = "".join(_option(choice) for choice in field._iter_choices_normalized())
    return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options}</select>")


# The widgets drawn here (a password input blanks its value first: WTForms draws it).
_DRAW: dict[type, Callable[[Any, Any, dict[str, Any]], Markup | None]] = {
    w.TextInput: _input, w.HiddenInput: _input,
    w.DateTimeLocalInput: _date_input, w.DateInput: _date_input, w.TimeInput: _date_input,
    w.TextArea: _textarea, w.Select: _select, PlainSelect: _select,
}


def render(field: Any, **kwargs: Any) -> Markup:
    """`field(**kwargs)`: the field's widget with these attributes and its render_kw."""
    draw = _DRAW.get(type(field.widget))
    if (draw is None or type(field).__call__ is not _FIELD_CALL
            or type(field.meta).render_field is not _RENDER_FIELD
            or type(field.flags) is not Flags or "name" in kwargs):
        return field(**kwargs)
    attrs = {_clean_key(k): v for k, v in kwargs.items()}
    own = getattr(field, "render_kw", None)
    if own is not None:
        attrs = dict({_clean_key(k): v for k, v in own.items()}, **attrs)
    if "name" in attrs:
        return field(**kwargs)
    drawn = draw(field.widget, field, attrs)
    return field(**kwargs) if drawn is None else drawn


def label(field: Any, **kwargs: Any) -> Markup:
    """`field.label(**kwargs)`: the field's label element."""
    own = field.label
    if type(own).__call__ is not _LABEL_CALL:
        return own(**kwargs)
    if "for_" in kwargs:
        kwargs["for"] = kwargs.pop("for_")
    else:
        kwargs.setdefault("for", own.field_id)
    attributes = html_params(**kwargs)
    return Markup(f"<label{' ' if attributes else ''}{attributes}>"
                  f"{escape(_plain(own.text))}</label>")


def hidden_tag(form: Any) -> Markup:
    """Flask-WTF's `form.hidden_tag()`: the form's hidden fields, one a line."""
    return Markup("\n".join(str(render(f)) for f in form if isinstance(f.widget, w.HiddenInput)))


def field(f: Any, hint: bool = True, wrap_class: str = "", **kwargs: Any) -> Markup:
    """macros.html's `field`: label, input, hint and errors of a form field, in the macro's
    whitespace; extra attributes go to the input."""
    errors = f.errors
    html = [f'<div class="field{" has-error" if errors else ""} {escape(wrap_class)}">']
    if f.type == "BooleanField":
        html.append(f"\n  <label>{escape(render(f, **kwargs))} "
                    f"{escape(_plain(f.label.text))}</label>")
    elif f.type == "RadioField":
        html.append(f"\n  <fieldset><legend>{escape(_plain(f.label.text))}</legend>\n    ")
        html.extend(f'<label class="radio">{escape(option(**kwargs))} '
                    f"{escape(option.label.text)}</label>" for option in f)
        html.append("\n  </fieldset>")
    else:
        attrs: dict[str, Any] = {"class": "input"}
        if errors:
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = f"{f.id}-errors"
        attrs.update(kwargs)
        html.append(f'\n  {label(f, **{"class": "label"})}\n  {escape(render(f, **attrs))}')
    description = _plain(f.description) if hint else None
    if description:
        html.append(f'<p class="hint">{escape(description)}</p>')
    if errors:
        html.append(f'\n  <ul class="errors" id="{escape(f.id)}-errors">')
        html.extend(f"<li>{escape(e)}</li>" for e in errors)
        html.append("</ul>")
    html.append("\n</div>")
    return Markup("".join(html))
