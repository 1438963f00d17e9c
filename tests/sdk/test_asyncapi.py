"""The SDK's payload dataclasses against the protocol document the server serves
(`GET /api/v1/asyncapi.json`, generated from the server's declared types; docs/asyncapi.json is
its checked-in copy): every server event has a dataclass, with the payload's fields under their
wire names, and every field the document requires is required by the dataclass too."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from moltarena.models import EVENT_TYPES, Payload, _wire_name

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.json"


def deref(document: dict, ref: str) -> dict:
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def server_messages(document: dict) -> dict[str, dict]:
    """Event name -> payload schema, for the events the server sends."""
    found = {}
    for operation in document["operations"].values():
        if operation["action"] != "send":
            continue
        for ref in operation["messages"]:
            message = deref(document, deref(document, ref["$ref"])["$ref"])
            found[message["name"]] = deref(document, message["payload"]["$ref"])
    return found


def test_the_served_document_is_the_checked_in_one(arenas):
    arena = arenas("battles")
    status, served = arena.get_json("/api/v1/asyncapi.json")
    assert status == 200
    assert served == json.loads(DOCUMENT.read_text()), \
        "docs/asyncapi.json differs from what the server serves: run `moltarena schema > docs/asyncapi.json`"


def test_every_server_event_has_a_dataclass_with_the_documents_fields(arenas):
    arena = arenas("battles")
    _, document = arena.get_json("/api/v1/asyncapi.json")
    messages = server_messages(document)
    assert len(messages) >= 20, messages.keys()
    missing = sorted(set(messages) - set(EVENT_TYPES))
    assert not missing, f"server events the SDK has no dataclass for: {missing}"
    unknown = sorted(set(EVENT_TYPES) - set(messages))
    assert not unknown, f"SDK dataclasses for events the server does not declare: {unknown}"
    for event, schema in messages.items():
        cls = EVENT_TYPES[event]
        fields = {_wire_name(f): f for f in dataclasses.fields(cls) if f.name != "extra"}
        properties = set(schema.get("properties", {}))
        if schema.get("description", "").startswith("the ping's fields"):
            properties = {"serverTime"}  # pong: the ping's own fields beside it go to `extra`
        assert set(fields) == properties, (event, cls.__name__, sorted(fields), sorted(properties))
        for name in schema.get("required", []):
            f = fields[name]
            assert f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING, \
                f"{cls.__name__}.{f.name}: the document requires {name!r}, the dataclass defaults it"
        assert issubclass(cls, Payload)
