"""The OpenAPI document is complete (every $ref resolves, every operation names its
permissions), and schemathesis, generating requests from it against the running app,
finds no server error and no response that breaks the document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from borderwatch.accounts import DataDir, allowed
from borderwatch.accounts.roles import ROLES
from borderwatch.api.app import openapi_document
from borderwatch.engine.config import EVENT_CLOCK
from borderwatch.service import ServiceOptions

from .conftest import BY_ROLE, Api, running

# Enough of the run for a few incidents and tracks.
FUZZ_FEED = 6_000


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_the_document_is_complete(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    assert doc == json.loads(json.dumps(openapi_document()))  # the same over any service
    schemas = doc["components"]["schemas"]
    for ref in _refs(doc):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if (method, path) == ("post", "/api/v1/token"):
                assert op["x-permissions"] is None
            else:
                assert isinstance(op["x-permissions"], list), f"{method} {path}"


# The document is the same over any service, so it is loaded at collection (schemathesis's
# lazy `from_fixture` does not run under this pytest).
schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory, messages: list[Any]) -> Iterator[Api]:
    """A service of its own: what schemathesis posts (patrols, sensor messages at any time)
    must not move the picture the other tests look at. Admission checks time as `run` does
    (nothing ahead of the clock, nothing long before the log's start); the recorded run is
    loaded on its own clock (`EVENT_CLOCK`)."""
    options = ServiceOptions(
        data=DataDir(tmp_path_factory.mktemp("fuzzed")), sectors=("N03",), config=EVENT_CLOCK
    )
    with running(options, messages[:FUZZ_FEED]) as api:
        yield api


def _user_for(api: Api, permissions: list[str] | None) -> str:
    """A user whose role may call the operation, so generated requests reach the handler."""
    if not permissions:
        return BY_ROLE["operator"]
    for role in ROLES:
        if any(allowed(role, p) for p in permissions):  # type: ignore[arg-type]
            return BY_ROLE[role]
    raise AssertionError(permissions)


CHECKPOINT_RULES = {
    ("POST", "/api/v1/checkpoints/passages"),
    ("GET", "/api/v1/checkpoints/passages/{pid}"),
    ("POST", "/api/v1/checkpoints/passages/{pid}/decision"),  # a passage without a hit
    ("GET", "/api/v1/checkpoints/search"),  # a name, a document or a plate: one at least
}


@schema.parametrize()
@settings(max_examples=10, suppress_health_check=list(HealthCheck), deadline=None)
def test_no_server_error(fuzzed: Api, case: schemathesis.Case[Any]) -> None:
    api = fuzzed
    permissions = case.operation.definition.raw.get("x-permissions")
    headers = {}
    if case.operation.path != "/api/v1/token":
        headers["Authorization"] = f"Bearer {api.token(_user_for(api, permissions))}"
    if case.body is not None and not isinstance(case.body, bytes | str):
        case.body = _whole_numbers_as_ints(case.body)
    # Admission refuses what no schema can say (an unknown sensor, a radar without its
    # bearing) with a named 422; everywhere else, data the document allows must be taken.
    excluded: list[Any] = []
    if case.operation.path == "/api/v1/detections":
        excluded.append(positive_data_acceptance)
    # A machine-readable zone's check digits, and an analyst's duty to say why they read a
    # traveller's record (an officer need not), are beyond a schema too: named 422s.
    if (case.method, case.operation.path) in CHECKPOINT_RULES:
        excluded.append(positive_data_acceptance)
    case.call_and_validate(base_url=api.base_url, headers=headers, excluded_checks=excluded)


def _whole_numbers_as_ints(value: Any) -> Any:
    """JSON Schema counts 0.0 as an integer, and schemathesis writes whole numbers as floats
    on purpose; msgspec, at every edge of borderwatch, keeps int and float apart and refuses
    `"seq": 0.0` with a named 422 (`$[0].seq: Expected int, got float`). Writing whole numbers
    as integers (which float fields accept) keeps that one difference out of the check that
    valid data is accepted."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_whole_numbers_as_ints(v) for v in value]
    if isinstance(value, dict):
        return {k: _whole_numbers_as_ints(v) for k, v in value.items()}
    return value
