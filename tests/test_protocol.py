"""domsync.protocol: one definition of the wire, shared with the JavaScript client."""

from __future__ import annotations

import json

from domsync import protocol
from domsync.assets import client_js_source


def test_the_client_carries_the_protocols_constants_as_generated():
    section = protocol.js_constants_in(client_js_source().decode("utf-8"))
    assert section == protocol.js_constants().lstrip(), "run: python scripts/protocol_js.py"


def test_op_codes_are_distinct_and_named():
    codes = [value for name, value in vars(protocol).items()
             if name.isupper() and isinstance(value, int) and name in protocol.OP_NAMES.values()]
    assert sorted(codes) == sorted(protocol.OP_NAMES) == list(range(len(protocol.OP_NAMES)))
    for code, name in protocol.OP_NAMES.items():
        assert getattr(protocol, name) == code
    assert protocol.ACTIONS <= set(protocol.OP_NAMES)


def test_every_helper_a_batch_calls_is_a_function_of_the_client():
    source = client_js_source().decode("utf-8")
    for name in protocol.HELPERS:
        assert f"function {name}(" in source, name


def test_the_generated_constants_are_json_the_client_can_read():
    for line in protocol.js_constants().splitlines()[1:-1]:
        name, _, value = line.strip().removeprefix("const ").partition(" = ")
        json.loads(value.rstrip(";"))  # each value is JSON, hence valid JavaScript
        assert name.isupper() and name.replace("_", "").isalnum()


def test_every_inbound_message_type_is_known_to_the_client():
    source = client_js_source().decode("utf-8")
    for key in ("MSG.SYNC", "MSG.NAMED", "MSG.ROUTE", "MSG.ERROR"):
        assert key in source
