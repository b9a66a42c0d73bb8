"""A marshmallow output schema compiled into one plain function, for the lists' hot path.

`Schema.dump` walks every field through its accessor, default and hooks: for a page of 50
applications that was most of the request. `compile_dump(ApplicationPage)` reads the schema's
fields once and gives a function producing the same data from the same dict, with no
per-field machinery; the view then returns `jsonify` of it, as flask-smorest would, and keeps
`@blp.response(…, Schema)` for the OpenAPI document. Only what the output schemas here use is
compiled (plain fields, lists, nested schemas; no hooks, no `data_key`, no `dump_default`):
anything else is refused when the schema is compiled, never dumped differently.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP

Convert = Callable[[Any], Any]

# The field types whose own `_serialize` is called as is (each is a cheap conversion).
_AS_IS = (fields.Integer, fields.Float, fields.Boolean, fields.Date)


def _string(value: Any) -> Any:
    return value if value is None or type(value) is str else str(value)


def _converter(field: fields.Field) -> Convert:
    if isinstance(field, fields.Nested):
        inner = compile_dump(field.schema)
        if field.many:
            return lambda value: None if value is None else [inner(item) for item in value]
        return lambda value: None if value is None else inner(value)
    if isinstance(field, fields.List):
        each = _converter(field.inner)
        return lambda value: None if value is None else [each(item) for item in value]
    if type(field) is fields.String:
        return _string
    if type(field) is fields.DateTime and field.format in (None, "iso", "iso8601"):
        return lambda value: None if value is None else value.isoformat()
    if type(field) is fields.Dict and field.key_field is None and field.value_field is None:
        return lambda value: None if value is None else dict(value)
    if type(field) in _AS_IS and not getattr(field, "as_string", False):
        serialize = field._serialize
        return lambda value: serialize(value, None, None)
    raise TypeError(f"compile_dump cannot compile {type(field).__name__}")


def compile_dump(schema: type[Schema] | Schema) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function doing what `schema.dump(data)` does for a dict `data` (keys it lacks are
    left out, None stays None)."""
    instance = schema() if isinstance(schema, type) else schema
    if instance._hooks.get(PRE_DUMP) or instance._hooks.get(POST_DUMP):
        raise TypeError(f"compile_dump cannot compile the hooks of {type(instance).__name__}")
    plan = []
    for name, field in instance.dump_fields.items():
        if field.data_key not in (None, name) or field.attribute not in (None, name) \
                or field.dump_default is not missing:
            raise TypeError(f"compile_dump cannot compile {type(instance).__name__}.{name}")
        plan.append((name, _converter(field)))

    def dump(data: dict[str, Any]) -> dict[str, Any]:
        return {name: convert(data[name]) for name, convert in plan if name in data}

    return dump
