"""schema(): one JSON Schema document that covers every wire type, and that real messages
satisfy. `jsonschema` is not a dependency, so a small checker for the keywords msgspec emits
stands in; it refuses any keyword it does not know, so it cannot pass by ignoring one."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import msgspec
import pytest
from hypothesis import given

from borderwatch.messages import Patrol, encode, schema
from borderwatch.messages.codec import WIRE_TYPES, WireMessage

from .strategies import wire_messages

IGNORED = {"title", "description", "default", "$schema", "$defs", "examples"}


def _ok(value: Any, node: dict[str, Any], root: dict[str, Any]) -> bool:
    """True when `value` satisfies schema `node` (the subset of 2020-12 msgspec produces)."""
    for key, arg in node.items():
        if key in IGNORED:
            continue
        if key == "$ref":
            assert arg.startswith("#/$defs/")
            ok = _ok(value, root["$defs"][arg.removeprefix("#/$defs/")], root)
        elif key == "anyOf":
            ok = any(_ok(value, sub, root) for sub in arg)
        elif key == "oneOf":
            ok = sum(_ok(value, sub, root) for sub in arg) == 1
        elif key == "type":
            ok = {
                "object": isinstance(value, dict),
                "array": isinstance(value, list),
                "string": isinstance(value, str),
                "integer": isinstance(value, int) and not isinstance(value, bool),
                "number": isinstance(value, int | float) and not isinstance(value, bool),
                "boolean": isinstance(value, bool),
                "null": value is None,
            }[arg]
        elif key == "enum":
            ok = value in arg
        elif key == "const":
            ok = value == arg
        elif key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if not isinstance(value, int | float) or isinstance(value, bool):
                continue
            ok = {
                "minimum": value >= arg,
                "maximum": value <= arg,
                "exclusiveMinimum": value > arg,
                "exclusiveMaximum": value < arg,
            }[key] and math.isfinite(value)
        elif key in ("minLength", "maxLength", "pattern"):
            if not isinstance(value, str):
                continue
            if key == "minLength":
                ok = len(value) >= arg
            elif key == "maxLength":
                ok = len(value) <= arg
            else:
                ok = re.search(arg, value) is not None
        elif key in ("minItems", "maxItems", "prefixItems", "items"):
            if not isinstance(value, list):
                continue
            n_prefix = len(node.get("prefixItems", []))
            if key == "minItems":
                ok = len(value) >= arg
            elif key == "maxItems":
                ok = len(value) <= arg
            elif key == "prefixItems":
                ok = all(_ok(v, s, root) for v, s in zip(value, arg, strict=False))
            else:
                rest = value[n_prefix:]
                ok = not rest if arg is False else all(_ok(v, arg, root) for v in rest)
        elif key in ("properties", "required", "additionalProperties", "propertyNames"):
            if not isinstance(value, dict):
                continue
            if key == "properties":
                ok = all(_ok(value[k], s, root) for k, s in arg.items() if k in value)
            elif key == "required":
                ok = all(k in value for k in arg)
            elif key == "propertyNames":
                ok = all(_ok(k, arg, root) for k in value)
            else:
                known = node.get("properties", {})
                extra = [v for k, v in value.items() if k not in known]
                ok = not extra if arg is False else all(_ok(v, arg, root) for v in extra)
        else:
            raise AssertionError(f"the test's checker does not know keyword {key!r}")
        if not ok:
            return False
    return True


SCHEMA = schema()


def test_document_is_json_and_2020_12() -> None:
    text = json.dumps(SCHEMA, allow_nan=False)
    assert json.dumps(json.loads(text), allow_nan=False) == text
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_wire_type_is_in_the_schema() -> None:
    names = {t.__name__ for t in WIRE_TYPES}
    assert names == {
        "Detection", "SensorStatus", "Patrol", "Track", "Alert", "Incident", "OperatorAction",
    }  # fmt: skip
    assert {ref["$ref"] for ref in SCHEMA["oneOf"]} == {f"#/$defs/{n}" for n in names}
    assert names <= set(SCHEMA["$defs"])


@pytest.mark.parametrize("wire_type", WIRE_TYPES, ids=lambda t: t.__name__)
def test_each_type_lists_its_fields_and_required(wire_type: type[msgspec.Struct]) -> None:
    node = SCHEMA["$defs"][wire_type.__name__]
    fields = msgspec.structs.fields(wire_type)
    tag = wire_type.__struct_config__.tag
    assert node["type"] == "object"
    assert set(node["properties"]) == {"type"} | {f.encode_name for f in fields}
    assert node["properties"]["type"] == {"enum": [tag]}
    assert set(node["required"]) == {"type"} | {f.encode_name for f in fields if f.required}


@given(wire_messages)
def test_valid_messages_satisfy_the_schema(message: WireMessage) -> None:
    assert _ok(json.loads(encode(message)), SCHEMA, SCHEMA)


@pytest.mark.parametrize(
    "change",
    [{"lat": 91.0}, {"callsign": ""}, {"type": "nope"}, {"speed_mps": "fast"}, {"seq": -1}],
    ids=str,
)
def test_invalid_messages_fail_the_schema(change: dict[str, Any]) -> None:
    """The checker is not vacuous: what decode rejects, the schema rejects too."""
    doc = json.loads(encode(Patrol(callsign="P", agency="a", time_ns=0, lat=0.0, lon=0.0)))
    assert _ok(doc, SCHEMA, SCHEMA)
    assert not _ok({**doc, **change}, SCHEMA, SCHEMA)


def test_missing_required_field_fails_the_schema() -> None:
    doc = json.loads(encode(Patrol(callsign="P", agency="a", time_ns=0, lat=0.0, lon=0.0)))
    del doc["lat"]
    assert not _ok(doc, SCHEMA, SCHEMA)


def test_jsonschema_agrees_when_installed() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    doc = encode(Patrol(callsign="P", agency="a", time_ns=0, lat=0.0, lon=0.0))
    jsonschema.Draft202012Validator(SCHEMA).validate(json.loads(doc))
