"""The API fuzzed from its own OpenAPI document, for every role, against a real server.

Schemathesis draws requests for every operation the document describes (valid ones
and, for each parameter and body, wrong ones) and sends them over loopback to a real
`verivali-server serve` on a seeded regency. Whatever a client sends, the server must
never answer 5xx, and every answer must carry the content type the document promises.

The draw is deterministic (`derandomize`), so a failure here fails again the same way.
`VERIVALI_FUZZ_EXAMPLES` (default 50 per operation and role) makes a longer run:

    VERIVALI_FUZZ_EXAMPLES=500 .venv/bin/pytest -q tests/integration/test_fuzz_api.py -s
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import content_type_conformance, not_a_server_error
from schemathesis.openapi import from_dict

from tests.conftest import LiveServer, auth
from tests.factories import VILLAGE, enumerator, household, seed

# tus chunks (PATCH /uploads/<photo_id>) are raw bytes, sent as the generic binary type is.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")

EXAMPLES = int(os.environ.get("VERIVALI_FUZZ_EXAMPLES", "50"))
ROLES = ("anonymous", "enumerator", "supervisor", "admin")


@pytest.fixture
def regency(live_server: LiveServer, engine: Any, make_user: Any) -> dict[str, Any]:
    """Two households of one village, an enumerator holding both, and a token per role."""
    homes = [household(f"{VILLAGE}-00000{n}") for n in (1, 2)]
    for number, home in enumerate(homes):
        for member in home["members"]:
            member["nik"] = member["nik"][:-1] + str(number)
    seed(engine, *homes)
    _, enumerator_token = enumerator(engine, "fuzz-enum", [h["household_id"] for h in homes])
    tokens = {
        "anonymous": None,
        "enumerator": enumerator_token,
        "supervisor": make_user("fuzz-sup", "supervisor", ["1811"]),
        "admin": make_user("fuzz-admin", "admin"),
    }
    spec = requests.get(live_server.url + "/api/v1/openapi.json", timeout=10).json()
    return {"url": live_server.url + "/api/v1", "tokens": tokens, "spec": spec}


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_no_request_makes_the_server_fail(regency: dict[str, Any], role: str) -> None:
    schema = from_dict(regency["spec"])
    token = regency["tokens"][role]
    headers = auth(token) if token else {}
    sent: Counter[str] = Counter()
    failures: list[str] = []
    session = requests.Session()

    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def exercise(case: Any) -> None:
            response = case.call(base_url=regency["url"], headers=headers, session=session,
                                 timeout=30)
            sent[case.operation.label] += 1
            if response.status_code >= 500:
                failures.append(f"{case.operation.label} → {response.status_code}: "
                                f"{response.text[:200]}")
            case.validate_response(response,
                                   checks=[not_a_server_error, content_type_conformance])

        exercise()

    print(f"\nfuzz {role}: {sum(sent.values())} requests over {len(sent)} operations, "
          f"{len(failures)} answered 5xx")
    assert not failures, "\n".join(failures[:20])
    assert len(sent) == len(list(schema.get_all_operations())), sent
