"""`GET /api/v1/openapi.json`: a valid OpenAPI 3 document of the contract, true to the code."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import fields as ma_fields
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec

import schemas
from server.reconcile import periods
from tests.conftest import auth
from tests.factories import enumerator, household, seed, survey

# Every call of docs/protocol.md §3, relative to the server URL `/api/v1`.
CONTRACT = {
    ("get", "/health"),
    ("post", "/sync/push"),
    ("get", "/sync/pull"),
    ("get", "/households/{household_id}"),
    ("get", "/households/{household_id}/history"),
    ("get", "/flags"),
    ("post", "/flags/{flag_id}/resolve"),
    ("get", "/periods/{period}/villages/{code}"),
    ("get", "/periods/{period}/villages/{code}/berita-acara.pdf"),
    # docs/protocol.md, "Lost and locked laptops"
    ("post", "/devices/recovery-key"),
    ("post", "/devices/recover"),
    # §5: photos
    ("get", "/surveys/{survey_id}"),
    ("get", "/photos/{photo_id}"),
    ("post", "/uploads"),  # the tus upload of photo bytes (also HEAD, OPTIONS)
    ("patch", "/uploads/{photo_id}"),
}
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def spec(client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")  # no token: the document is public
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json


def test_the_document_is_valid_openapi_3(spec):
    validate_spec(spec)  # raises on any structural error, unresolved $ref included
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"]
    assert spec["servers"] == [{"url": "/api/v1"}]
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http",
                                                               "scheme": "bearer"}
    assert spec["security"] == [{"bearer": []}]
    assert spec["paths"]["/health"]["get"]["security"] == []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"200", "201", "204"} & set(responses), (method, path)
            if operation.get("security") != []:  # every call taking a token
                assert {"401", "403"} <= set(responses), (method, path)
            elif path != "/health":  # the recovery call: the one-time code is the credential
                assert "403" in responses, (method, path)
            for code, answer in responses.items():
                if code.startswith(("4", "5")):
                    assert answer["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/ErrorBody"}, (method, path, code)


def test_every_contract_call_is_documented_and_served(app, spec):
    documented = {(method, path) for path, operations in spec["paths"].items()
                  for method in operations if method in METHODS}
    assert documented == CONTRACT
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        path = rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
        served |= {(method.lower(), path) for method in rule.methods or ()
                   if method.lower() in METHODS}
    assert served == CONTRACT
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            named = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "path"}
            assert named == set(_placeholders(path)), path


def _placeholders(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def _component_matches(component: dict[str, Any], schema: Any) -> None:
    """Properties, required fields, nullability and enums as the marshmallow schema says."""
    declared = schema.fields
    assert set(component["properties"]) == set(declared)
    assert set(component.get("required", ())) == {n for n, f in declared.items() if f.required}
    assert component["additionalProperties"] is False  # unknown fields are refused
    for name, field in declared.items():
        prop = component["properties"][name]
        variants = prop.get("anyOf", [prop])
        nullable = any(v.get("nullable") for v in variants)
        assert nullable == field.allow_none, name
        choices = getattr(next(iter(field.validators), None), "choices", None)
        if choices is not None:
            assert prop["enum"] == list(choices), name
        if isinstance(field, ma_fields.Nested):
            assert any("$ref" in v for v in variants), name
        if field.dump_only:
            assert prop.get("readOnly") is True, name


def test_survey_component_matches_survey_schema(spec):
    components = spec["components"]["schemas"]
    survey_component = components["Survey"]
    _component_matches(survey_component, schemas.SurveySchema())
    assert survey_component["properties"]["observed"]["anyOf"][0] == {
        "$ref": "#/components/schemas/Household"}
    assert survey_component["properties"]["outcome"]["enum"] == [
        "found", "not_found", "moved", "refused"]
    assert survey_component["properties"]["base_version"]["minimum"] == 1
    _component_matches(components["Household"], schemas.HouseholdSchema())
    assert components["Household"]["properties"]["version"]["readOnly"] is True
    _component_matches(components["Flag"], schemas.FlagSchema())
    push_items = spec["paths"]["/sync/push"]["post"]["requestBody"]["content"]
    assert push_items["application/json"]["schema"] == {"$ref": "#/components/schemas/PushRequest"}


def _validator(spec: dict[str, Any], component: str) -> OAS30Validator:
    root = {"$ref": f"#/components/schemas/{component}", "components": spec["components"]}
    return OAS30Validator(root)


def _errors(spec: dict[str, Any], component: str, answer: Any) -> list[str]:
    return [error.message for error in _validator(spec, component).iter_errors(answer)]


@pytest.fixture
def answers(client, engine, make_user) -> dict[str, Any]:
    """One real answer of each kind, after a push that raised a flag."""
    base = household()
    seed(engine, base)
    _, ani = enumerator(engine, "ani", [base["household_id"]])
    admin = make_user("root", "admin")
    item = survey(base, change=lambda o: o.__setitem__("address", "Dusun V"))
    pushed = client.post("/api/v1/sync/push", json={"device_id": "d", "surveys": [item, {}]},
                         headers=auth(ani)).json
    assert [r["status"] for r in pushed["results"]] == ["accepted", "rejected"]
    pulled = client.get("/api/v1/sync/pull", headers=auth(ani)).json
    assert {change["kind"] for change in pulled["changes"]} == {"household", "assignment", "flag"}
    return {
        "Survey": item,
        "PushResponse": pushed,
        "Flag": pushed["results"][0]["flags"][0],
        "PullResponse": pulled,
        "HouseholdView": client.get(f"/api/v1/households/{base['household_id']}",
                                    headers=auth(admin)).json,
        "History": client.get(f"/api/v1/households/{base['household_id']}/history",
                              headers=auth(admin)).json,
        "FlagPage": client.get("/api/v1/flags", headers=auth(admin)).json,
        "ErrorBody": client.get("/api/v1/flags", headers=auth(ani)).json,
        "VillageList": _village_list(client, admin, pushed["results"][0]["flags"][0],
                                     base["region_code"]),
    }


def _village_list(client, admin: str, flag: dict[str, Any], village: str) -> dict[str, Any]:
    """The village's list of this period after the flag was accepted: one household on it."""
    accepted = client.post(f"/api/v1/flags/{flag['flag_id']}/resolve",
                           json={"action": "accept"}, headers=auth(admin))
    assert accepted.status_code == 200
    period = periods.period_of(accepted.json["resolved_at"], 17, village)
    answer = client.get(f"/api/v1/periods/{period}/villages/{village}", headers=auth(admin)).json
    assert [h["change"] for h in answer["households"]] == ["update"]
    return answer


@pytest.mark.parametrize("component", ["Survey", "PushResponse", "Flag", "HouseholdView",
                                       "History", "FlagPage", "ErrorBody", "VillageList"])
def test_real_answers_fit_their_components(spec, answers, component):
    assert _errors(spec, component, answers[component]) == []


def test_the_component_check_bites(spec, answers):
    item = answers["Survey"]
    assert _errors(spec, "Survey", {**item, "version": 2})
    assert _errors(spec, "Survey", {**item, "outcome": "gone"})
    assert _errors(spec, "Flag", {**answers["Flag"], "status": "pending"})


def test_pull_answer_fits_its_component(spec, answers):
    assert _errors(spec, "PullResponse", answers["PullResponse"]) == []


def _params(spec: dict[str, Any], path: str, method: str = "get") -> dict[str, Any]:
    return {p["name"]: p["schema"] for p in spec["paths"][path][method].get("parameters", ())
            if p["in"] == "query"}


def test_resolve_documents_its_400_and_415(spec):
    responses = spec["paths"]["/flags/{flag_id}/resolve"]["post"]["responses"]
    assert {"400", "415", "422"} <= set(responses)


def test_query_parameters_carry_the_bounds_the_api_enforces(spec):
    flags = _params(spec, "/flags")
    assert flags["limit"]["type"] == "integer"
    assert (flags["limit"]["minimum"], flags["limit"]["maximum"]) == (1, 1000)
    assert (flags["cursor"]["minLength"], flags["cursor"]["maxLength"]) == (1, 200)
    assert (flags["region"]["minLength"], flags["region"]["maxLength"]) == (2, 13)
    assert flags["status"]["enum"] == list(schemas.FlagQuerySchema().fields["status"]
                                           .validators[0].choices)
    pull = _params(spec, "/sync/pull")
    assert (pull["limit"]["minimum"], pull["limit"]["maximum"]) == (1, 5000)
    assert (pull["cursor"]["minLength"], pull["cursor"]["maxLength"]) == (1, 200)


@pytest.mark.parametrize(("url", "role"), [("/api/v1/flags?limit=0", "admin"),
                                           ("/api/v1/flags?limit=1001", "admin"),
                                           ("/api/v1/sync/pull?limit=0", "enumerator"),
                                           ("/api/v1/sync/pull?limit=5001", "enumerator"),
                                           ("/api/v1/flags?region=1", "admin"),
                                           ("/api/v1/flags?cursor=" + "x" * 201, "admin")])
def test_the_api_refuses_what_the_document_excludes(client, engine, make_user, url, role):
    token = make_user("u", role)
    response = client.get(url, headers=auth(token))
    assert response.status_code == 422, response.json


def test_push_items_have_a_type_and_device_seq_a_maximum(spec):
    components = spec["components"]["schemas"]
    assert components["PushRequest"]["properties"]["surveys"]["items"]["type"] == "object"
    assert components["PushRequest"]["properties"]["surveys"]["maxItems"] == 500
    survey_props = components["Survey"]["properties"]
    assert survey_props["device_seq"]["maximum"] == 2**53 - 1
    assert survey_props["base_version"]["maximum"] == 2**53 - 1
    assert components["PushRequest"]["properties"]["device_id"]["maxLength"] == 64


def test_a_405_names_the_allowed_methods(client):
    response = client.delete("/api/v1/sync/push")
    assert response.status_code == 405
    assert response.json["error"]["code"]
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"POST"}
    resolve = client.get("/api/v1/flags/x/resolve")
    assert resolve.status_code == 405
    assert "POST" in resolve.headers["Allow"]
