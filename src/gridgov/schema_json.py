"""A response schema's JSON written straight from the object it describes.

ninja answers a route by validating its response schema from the returned object, through a
getter that looks up every attribute (a hundred on a new event with its duplicates) and
checks each value it finds, then dumping the schema and encoding the dump. For a route that
runs very often (intake), `dumped` reads the same attributes once per field, by a plan made
once per schema, into the dict the dump would be, and `json_response` encodes it the way
ninja's renderer does. The values must already be of the schema's types: these objects are
model instances whose fields are. Tests compare the JSON with ninja's own for the same
object (tests/cases/test_api.py).
"""

import functools
import json
import types
import typing
from collections.abc import Callable
from typing import Any

from django.db.models import Manager, QuerySet
from django.http import HttpResponse
from ninja import Schema
from ninja.responses import NinjaJSONEncoder

JSON_CONTENT_TYPE = "application/json; charset=utf-8"  # ninja's renderer's
_MISSING = object()


def dumped(schema: type[Schema], obj: Any) -> dict[str, Any]:
    """What `schema.from_orm(obj).model_dump()` gives, without building the schema."""
    return {name: read(obj) for name, read in _plan(schema)}


def json_response(schema: type[Schema], obj: Any, *, status: int = 200) -> HttpResponse:
    """The route's answer: `obj` as `schema`, encoded as ninja encodes it."""
    return encoded_response(dumped(schema, obj), status=status)


def encoded_response(body: Any, *, status: int = 200) -> HttpResponse:
    """A schema's dump (plain values, UUIDs and dates among them) encoded as ninja's JSON
    renderer encodes it."""
    return HttpResponse(
        json.dumps(body, cls=NinjaJSONEncoder), status=status, content_type=JSON_CONTENT_TYPE
    )


@functools.cache
def _plan(schema: type[Schema]) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    """For each field of `schema`, in its order, a function reading its value from an
    object: by the field's alias (a dotted path is followed, None ending it), a nested
    schema or a list of them dumped in turn, a missing attribute giving the default (or,
    for a required field, an error)."""
    plan = []
    for name, field in schema.model_fields.items():
        path = tuple((field.alias or name).split("."))
        default = _MISSING if field.is_required() else field.default
        plan.append((name, _reader(path, default, _nested(field.annotation))))
    return tuple(plan)


def _nested(annotation) -> tuple[str, type[Schema]] | None:
    """("one", S) for a field of schema S (or S | None), ("list", S) for list[S]."""
    origin = typing.get_origin(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation)
        return ("list", item) if _is_schema(item) else None
    if origin in (typing.Union, types.UnionType):
        schemas = [arg for arg in typing.get_args(annotation) if _is_schema(arg)]
        return ("one", schemas[0]) if schemas else None
    return ("one", annotation) if _is_schema(annotation) else None


def _is_schema(annotation) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Schema)


def _reader(path: tuple[str, ...], default: Any, nested) -> Callable[[Any], Any]:
    def read(obj: Any) -> Any:
        value = obj
        for name in path:
            value = getattr(value, name, _MISSING)
            if value is _MISSING:
                if default is _MISSING:  # as the schema would, rather than answer null
                    raise AttributeError(f"{'.'.join(path)} is required")
                return default
            if value is None:
                return None
        if isinstance(value, Manager):
            value = list(value.all())
        elif isinstance(value, QuerySet):
            value = list(value)
        if nested is None:
            return value
        kind, schema = nested
        if kind == "list":
            return [dumped(schema, item) for item in value]
        return dumped(schema, value)

    return read
