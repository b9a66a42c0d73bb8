"""The application page's empty fields, drawn once per language and kept (issue 15).

Most fields of the application page are the same on every page: a fresh form's "Done at",
"Note", "Why is the step skipped?", the pause's time and note, the cancel reason — unbound,
empty, no errors, their label, hint and validation attributes fixed by the form class. Drawing
them (web.widgets.field) was ~0.5 ms of the page, every page. `field` here is
`widgets.field` with the drawing of such a field kept per process, under everything the
drawing shows: the form class, the field's class, widget, name and id, its label and hint
(their objects: the class's lazy strings), its validation flags, the language and the call's
arguments; a select's, its options too (values and labels, none selected). Any other field
(bound to posted data, holding a value, with errors, render_kw, option groups, a field of
another class) is drawn every time by widgets.field. Only the detail page
uses it (applications/detail.html, web.detail_steps); tests/web/test_detail_fields.py holds it
to widgets.field."""
from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from flask import current_app
from markupsafe import Markup
from wtforms.fields import DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import Flags
from wtforms.widgets import core as w

from ..i18n import current_language
from . import widgets
from .forms import PlainSelect

KEPT_FIELDS = 256  # drawings kept per application (emptied when full)

# Exactly these field classes with exactly their own widget (a subclass may draw otherwise).
_KEPT: dict[type, tuple[type, ...]] = {
    DateTimeLocalField: (w.DateTimeLocalInput,), TextAreaField: (w.TextArea,),
    StringField: (w.TextInput,), SelectField: (w.Select, PlainSelect)}


def _text_key(text: Any) -> Hashable:
    """A label's or hint's text in the key: a string as itself with its class (Markup is not
    escaped, str is), anything else (a lazy string) by identity — the kept entry holds the
    object (field()), so no other object takes its identity while the entry lives."""
    if text is None or isinstance(text, str):
        return (type(text), text)
    return ("object", id(text))


def _key(f: Any, hint: bool, wrap_class: str, kwargs: dict[str, Any]) -> Hashable | None:
    """What the drawing of `f` depends on, or None when it may show more (a value, errors)."""
    widget = _KEPT.get(type(f))
    if (widget is None or type(f.widget) not in widget or f.raw_data is not None
            or f.data not in (None, "") or f.object_data not in (None, "") or f.errors
            or getattr(f, "render_kw", None) or type(f.flags) is not Flags
            or type(f.meta).render_field is not widgets._RENDER_FIELD
            or type(f).__call__ is not widgets._FIELD_CALL):
        return None
    flags = vars(f.flags)
    if any(callable(value) for value in flags.values()):
        return None  # a min or max given as a function: may change from call to call
    choices: Hashable = None
    if type(f) is SelectField:
        choices = _choices(f)
        if choices is None:
            return None
    try:
        key = (type(f.meta), type(f), type(f.widget), f.name, f.id, f.type,
               _text_key(f.label.text), f.label.field_id, _text_key(f.description),
               tuple(sorted(flags.items())), choices, current_language(), bool(hint),
               wrap_class, tuple(sorted(kwargs.items())))
        hash(key)
    except TypeError:
        return None
    return key


def _choices(f: Any) -> Hashable | None:
    """A select's options in the key: each (value, label) of plain options, none selected
    (the field holds no value and its coerce is str: str(value) is never None); None for
    anything else (option groups, an option's attributes, choices not SelectChoice)."""
    if f.coerce is not str or not isinstance(f.choices, list) or f.data is not None:
        return None
    shown = []
    for choice in f.choices:
        if (type(choice) is not SelectChoice or choice.render_kw or choice.optgroup is not None
                or type(choice.value) is not str
                or not (choice.label is None or isinstance(choice.label, str))):
            return None
        shown.append((choice.value, _text_key(choice.label)))
    return tuple(shown)


def field(f: Any, hint: bool = True, wrap_class: str = "", **kwargs: Any) -> Markup:
    """widgets.field(f, hint, wrap_class, **kwargs), kept when `f` is a fresh empty field."""
    key = _key(f, hint, wrap_class, kwargs)
    if key is None:
        return widgets.field(f, hint, wrap_class, **kwargs)
    store: dict[Hashable, tuple[Markup, tuple[Any, ...]]] = \
        current_app.extensions.setdefault("detail_fields_drawn", {})
    kept = store.get(key)
    if kept is not None:
        return kept[0]
    drawn = widgets.field(f, hint, wrap_class, **kwargs)
    if len(store) >= KEPT_FIELDS:
        store.clear()
    store[key] = (drawn, (f.label.text, f.description))  # the texts keyed by identity
    return drawn
