"""The SDK's typed payloads (moltarena.models) against the protocol document, docs/asyncapi.json,
which `moltarena schema` generates from the server's own event types: every server event the
SDK parses exists there, and each dataclass has the payload's fields, no more and no fewer,
required where the document requires them and `None`-able where it allows `null`. A field the
server adds, renames or makes optional fails here even before a battle shows it. The running
server serves the same document at GET /api/v1/asyncapi.json."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
import urllib.request
from pathlib import Path
from typing import Any, Union

import pytest

from moltarena.models import EVENT_TYPES, Payload, _wire_name

from sdk_support import LOGGED

DOCUMENT_PATH = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.json"
DOCUMENT = json.loads(DOCUMENT_PATH.read_text())
MESSAGES = {m["name"]: m for m in DOCUMENT["components"]["messages"].values()}
SENT = {DOCUMENT["components"]["messages"][m["$ref"].rsplit("/", 1)[1]]["name"]
        for op in DOCUMENT["operations"].values() if op["action"] == "send"
        for m in op["messages"]}


def test_every_event_the_sdk_parses_is_sent_by_the_server():
    missing = sorted(set(EVENT_TYPES) - SENT)
    assert not missing, f"the SDK parses events the protocol document does not have: {missing}"


def test_every_event_the_server_sends_has_a_payload_class_in_the_sdk():
    untyped = sorted(SENT - set(EVENT_TYPES))
    assert not untyped, f"the server sends events the SDK has no payload class for: {untyped}"


def test_the_sdk_knows_which_events_are_logged():
    logged = {name for name, message in MESSAGES.items() if message.get("x-logged")}
    assert logged == LOGGED


def _nullable(schema: dict) -> bool:
    if schema == {}:
        return True
    kind = schema.get("type")
    if isinstance(kind, list) and "null" in kind:
        return True
    return any(option.get("type") == "null" for option in schema.get("oneOf", []))


def _unwrap(schema: dict) -> dict:
    """The schema without its `null` alternative."""
    for option in schema.get("oneOf", []):
        if option.get("type") != "null":
            return option
    kind = schema.get("type")
    if isinstance(kind, list):
        rest = [k for k in kind if k != "null"]
        return {**schema, "type": rest[0] if len(rest) == 1 else rest}
    return schema


def _resolve(schema: dict) -> dict:
    ref = schema.get("$ref")
    if ref:
        node: Any = DOCUMENT
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        return node
    return schema


def _optional_parts(tp: Any) -> tuple[Any, bool]:
    """(the type without None, whether None is allowed)."""
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return (args[0] if len(args) == 1 else Union[tuple(args)]), len(args) < len(typing.get_args(tp))
    return tp, False


def _compare_type(tp: Any, schema: dict, where: str, problems: list[str]) -> None:
    schema = _resolve(_unwrap(schema))
    if schema == {}:
        return  # free-form in the document (a snapshot, a verdict)
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, Payload):
        _compare_payload(tp, schema, where, problems)
    elif origin is list:
        if schema.get("type") != "array":
            problems.append(f"{where}: the SDK has a list, the document {schema}")
        else:
            _compare_type(typing.get_args(tp)[0], schema["items"], f"{where}[]", problems)
    elif origin is dict:
        if schema.get("type") != "object" or "additionalProperties" not in schema:
            problems.append(f"{where}: the SDK has a dict, the document {schema}")
        else:
            _compare_type(typing.get_args(tp)[1], schema["additionalProperties"], f"{where}{{}}", problems)


def _compare_payload(cls: type[Payload], schema: dict, where: str, problems: list[str]) -> None:
    if schema.get("type") != "object" or "properties" not in schema:
        problems.append(f"{where}: {cls.__name__} is an object with fields, the document says {schema}")
        return
    properties: dict = schema["properties"]
    required = set(schema.get("required", []))
    fields = {_wire_name(f): (f, tp) for f, tp in cls._fields()}
    for name in sorted(set(properties) - set(fields)):
        problems.append(f"{where}.{name}: in the document, not in {cls.__name__}")
    for name in sorted(set(fields) - set(properties)):
        problems.append(f"{where}.{name}: in {cls.__name__}, not in the document")
    for name in sorted(set(fields) & set(properties)):
        f, tp = fields[name]
        sdk_required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if sdk_required != (name in required):
            problems.append(f"{where}.{name}: the SDK has it {'required' if sdk_required else 'optional'}, "
                            f"the document {'required' if name in required else 'optional'}")
        inner, sdk_nullable = _optional_parts(tp)
        if _nullable(properties[name]) and properties[name] != {} and not sdk_nullable:
            problems.append(f"{where}.{name}: may be null in the document, not in {cls.__name__}")
        if sdk_nullable and not _nullable(properties[name]):
            problems.append(f"{where}.{name}: None in {cls.__name__}, never null in the document")
        _compare_type(inner, properties[name], f"{where}.{name}", problems)


@pytest.mark.parametrize("event", sorted(EVENT_TYPES))
def test_the_sdk_payload_has_the_documented_fields(event):
    problems: list[str] = []
    _compare_payload(EVENT_TYPES[event], MESSAGES[event]["payload"], event, problems)
    assert not problems, "\n".join(problems)


def test_the_server_serves_the_document(arenas):
    arena = arenas("battles")  # every plugin of the default document, as docs/asyncapi.json lists them
    with urllib.request.urlopen(arena.url + "/api/v1/asyncapi.json", timeout=30) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["ETag"]
        served = json.loads(response.read())
    assert served == DOCUMENT
