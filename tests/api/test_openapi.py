"""The OpenAPI document: served publicly, generated from the resource registry, and true.

Every answer of the suite's JSON:API client is already checked against the document
(``tests/support/openapi.py``); these tests hold what that check cannot see: the routes, the
parameters, the write rules and the examples the document lists are the server's own.
"""

import json
import re
from dataclasses import replace
from typing import Any

import jsonschema
import pytest
import yaml
from django.http import HttpResponse
from django.test import Client
from openapi_spec_validator import validate

from tests import factories
from tests.support.jsonapi import seed_document
from tests.support.openapi import api_document, assert_openapi
from wallet.api.openapi import openapi_document
from wallet.api.openapi.parameters import include_paths, ransack_patterns
from wallet.api.resources import NO, REQUIRED, RESOURCES, Attribute
from wallet.oauth import create_credential

API_ERRORS = {"400", "401", "406", "429", "503"}
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def schema_of(document: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A JSON Schema validator of ``schema``, whose ``$ref`` point into ``document``."""
    return jsonschema.Draft202012Validator(
        {**schema, "components": document["components"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """``(path, method, operation)`` of every operation of the document."""
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    ]


@pytest.fixture
def unlimited(settings):
    """No rate limit: these tests send a request per documented value."""
    settings.WALLET = {**settings.WALLET, "RATE_LIMITS": {"test": [(1_000_000, 60)]}}


# --- served -------------------------------------------------------------------------------


def test_the_document_is_public_yaml_by_default_and_json_on_request(db):
    as_yaml = Client().get("/api/schema/")
    as_json = Client().get("/api/schema/?format=json")
    by_accept = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert as_yaml.status_code == as_json.status_code == by_accept.status_code == 200
    assert as_yaml["Content-Type"].startswith("application/vnd.oai.openapi")
    # libyaml's safe loader where PyYAML has it: its pure-Python one takes a second here
    assert yaml.load(as_yaml.content, Loader=SAFE_LOADER) == json.loads(as_json.content)
    assert json.loads(by_accept.content) == json.loads(as_json.content)
    assert json.loads(as_json.content)["openapi"] == "3.1.0"


def test_the_document_is_valid_openapi_3_1(db):
    validate(openapi_document())


def test_no_model_is_changed_to_draw_the_document(db):
    openapi_document()

    for resource in RESOURCES.values():
        assert not hasattr(resource.model, "JSONAPIMeta"), resource.model


# --- routes --------------------------------------------------------------------------------


def test_every_route_of_every_type_is_documented_with_the_methods_its_actions_allow(db):
    document = openapi_document()
    expected: dict[str, set[str]] = {}
    for t, resource in RESOURCES.items():
        expected[f"/api/{t}"] = {"get"} | ({"post"} if "create" in resource.actions else set())
        expected[f"/api/{t}/{{id}}"] = (
            {"get"}
            | ({"patch"} if "update" in resource.actions else set())
            | ({"delete"} if "delete" in resource.actions else set())
        )
        for rel in resource.relationships:
            expected[f"/api/{t}/{{id}}/{rel.name}"] = {"get"}
            expected[f"/api/{t}/{{id}}/relationships/{rel.name}"] = {"get"}
    documented = {
        path: {method for method in item if method != "parameters"}
        for path, item in document["paths"].items()
        if path.startswith("/api/")
    }

    assert documented == expected
    ids = [operation["operationId"] for _path, _method, operation in operations(document)]
    assert len(ids) == len(set(ids))


def test_a_method_the_document_does_not_list_answers_405(api_client, order):
    for method, path in (
        ("PATCH", "/api/payment_gateways/x"),
        ("POST", "/api/versions"),
        ("DELETE", f"/api/orders/{order.pk}/customer"),
    ):
        response = api_client.request(method, path, {"data": {}})

        assert response.status_code == 405, (method, path)


def test_every_operation_lists_its_errors_an_example_and_the_security(db):
    document = openapi_document()

    for path, method, operation in operations(document):
        responses = operation["responses"]
        success = [status for status in responses if status.startswith("2")]
        assert len(success) == 1, (path, method)
        if path.startswith("/api/"):
            assert set(responses) >= API_ERRORS, (path, method)
            if "{id}" in path:
                assert "404" in responses, (path, method)
            if method in ("post", "patch"):
                assert {"409", "413", "415", "422"} <= set(responses), (path, method)
            if method != "delete":
                media = responses[success[0]]["content"]["application/vnd.api+json"]
                assert "example" in media or "examples" in media, (path, method)
            assert "security" not in operation  # the document-wide requirement
        else:
            assert operation["security"] == []
    assert document["security"] == [{"oauth2": []}, {"bearer": []}, {"session": []}]
    for status in ("400", "401", "404", "405", "406", "409", "415", "422", "423", "429", "503"):
        assert any(
            response["content"]["application/vnd.api+json"]["example"]["errors"][0]["status"]
            == status
            for response in document["components"]["responses"].values()
        ), status


def test_oauth_endpoints_and_flows_are_documented(db):
    document = openapi_document()
    oauth2 = document["components"]["securitySchemes"]["oauth2"]

    assert oauth2["flows"]["clientCredentials"]["tokenUrl"] == "/oauth/token"
    assert oauth2["flows"]["password"]["tokenUrl"] == "/oauth/token"
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert set(document["paths"]["/oauth/token"]) == {"post"}
    assert set(document["paths"]["/oauth/revoke"]) == {"post"}
    assert set(document["paths"]["/.well-known/jwks.json"]) == {"get"}


def test_oauth_answers_are_what_the_document_says(db):
    credential, secret = create_credential(name="docs", kind="integration", mode="test")
    client = Client()
    body = {
        "grant_type": "client_credentials",
        "client_id": credential.application.client_id,
        "client_secret": secret,
    }
    issued = client.post("/oauth/token", body)
    refused = client.post("/oauth/token", {**body, "client_secret": "wrong"})
    token = issued.json()["access_token"]
    revoked = client.post("/oauth/revoke", {**body, "token": token})
    keys = client.get("/.well-known/jwks.json")

    assert (issued.status_code, refused.status_code, revoked.status_code) == (200, 401, 200)
    assert keys.status_code == 200
    for method, path, response in (
        ("POST", "/oauth/token", issued),
        ("POST", "/oauth/token", refused),
        ("POST", "/oauth/revoke", revoked),
        ("GET", "/.well-known/jwks.json", keys),
    ):
        assert_openapi(method, path, response, response.json())


# --- resource objects and bodies ---------------------------------------------------------


def test_resource_objects_list_every_readable_attribute_and_no_write_only_one(db):
    schemas = openapi_document()["components"]["schemas"]

    for t, resource in RESOURCES.items():
        name = "".join(part.title() for part in t.split("_"))
        attributes = schemas[name]["properties"]["attributes"]["properties"]
        assert list(attributes) == [a.name for a in resource.readable_attributes], t
        fields = openapi_document()["components"]["parameters"][f"{t}.fields"]
        listed = set(fields["schema"]["items"]["enum"])
        assert listed == {a.name for a in resource.readable_attributes} | set(
            resource.relationship_map
        )
        for attr in resource.attributes:
            if not attr.readable:
                assert attr.name not in attributes and attr.name not in listed


def test_write_bodies_follow_the_create_and_update_rules(db):
    schemas = openapi_document()["components"]["schemas"]
    create = schemas["CustomerPaymentSourcesCreate"]["properties"]["data"]
    update = schemas["OrdersUpdate"]["properties"]["data"]
    customers = schemas["CustomersCreate"]["properties"]["data"]

    assert create["required"] == ["type", "relationships"]
    assert create["properties"]["relationships"]["required"] == ["customer"]
    assert "name" not in create["properties"]["attributes"]["properties"]
    assert customers["properties"]["attributes"]["required"] == ["email"]
    assert "password" in customers["properties"]["attributes"]["properties"]
    assert update["required"] == ["type", "id"]
    triggers = update["properties"]["attributes"]["properties"]
    assert triggers["_place"]["type"] == "boolean"
    assert "Write-only" in triggers["_place"]["description"]
    assert "status" not in triggers  # read-only
    assert "PaymentGatewaysCreate" not in schemas and "PaymentGatewaysUpdate" not in schemas
    for t, resource in RESOURCES.items():
        name = "".join(part.title() for part in t.split("_"))
        if f"{name}Create" in schemas:
            attributes = schemas[f"{name}Create"]["properties"]["data"]["properties"]
            allowed = {a.name for a in resource.attributes if a.create != NO}
            assert set(attributes["attributes"]["properties"]) == allowed
            required = {a.name for a in resource.attributes if a.create == REQUIRED}
            assert set(attributes["attributes"].get("required", [])) == required


def test_types_nullability_and_choices_come_from_the_model_fields(db):
    schemas = openapi_document()["components"]["schemas"]
    orders = schemas["Orders"]["properties"]["attributes"]["properties"]
    customers = schemas["Customers"]["properties"]["attributes"]["properties"]
    sources = schemas["CustomerPaymentSources"]["properties"]["attributes"]["properties"]

    assert orders["placed_at"] == {"type": ["string", "null"], "format": "date-time"}
    assert orders["total_amount_cents"] == {"type": "integer", "minimum": 0}
    assert orders["status"]["enum"] == ["draft", "pending", "placed", "approved", "cancelled"]
    assert customers["email"]["type"] == "string"
    assert customers["status"]["enum"] == ["prospect", "acquired", "repeat"]
    assert sources["name"]["type"] == "string"  # a property typed ``-> str``
    assert sources["default"] == {"type": "boolean"}


def test_adding_an_attribute_to_a_resource_documents_it(db, monkeypatch):
    gateways = RESOURCES["payment_gateways"]
    extra = Attribute("label", source="name")
    monkeypatch.setitem(
        RESOURCES, "payment_gateways", replace(gateways, attributes=(*gateways.attributes, extra))
    )

    schemas = openapi_document()["components"]["schemas"]

    attributes = schemas["PaymentGateways"]["properties"]["attributes"]["properties"]
    assert attributes["label"] == {"type": "string", "maxLength": 255}


# --- query parameters ---------------------------------------------------------------------


def test_page_sizes_come_from_the_settings(db, settings):
    settings.WALLET = {**settings.WALLET, "PAGE_SIZE": 7, "MAX_PAGE_SIZE": 40}

    size = openapi_document()["components"]["parameters"]["page.size"]["schema"]

    assert (size["default"], size["maximum"]) == (7, 40)


def test_every_documented_include_path_is_accepted_and_others_are_not(
    api_client, source, unlimited
):
    paths = include_paths(RESOURCES["customer_payment_sources"])

    for path in paths:
        response = api_client.get(f"/api/customer_payment_sources/{source.pk}?include={path}")
        assert response.status_code == 200, (path, response.content)
    for path in ("event_stores", "customer.orders.customer.orders", "nothing"):
        assert path not in paths
        response = api_client.get(f"/api/customer_payment_sources?include={path}")
        assert response.status_code == 400, path


def test_documented_sort_keys_and_fields_are_accepted(api_client, order, unlimited):
    parameters = openapi_document()["components"]["parameters"]

    for key in parameters["orders.sort"]["schema"]["items"]["enum"]:
        assert api_client.get(f"/api/orders?sort={key}").status_code == 200, key
    for name in parameters["orders.fields"]["schema"]["items"]["enum"]:
        assert api_client.get(f"/api/orders?fields[orders]={name}").status_code == 200, name
    events = openapi_document()["paths"]["/api/event_stores"]["get"]["parameters"]
    assert not [p for p in events if p["$ref"].endswith(".sort")]  # cursor lists take no sort


def test_the_ransack_pattern_matches_the_keys_the_server_accepts(api_client, source, unlimited):
    patterns = [re.compile(p) for p in ransack_patterns(RESOURCES["customer_payment_sources"])]
    accepted = ["reference_eq", "reference_or_name_cont", "default_true", "metadata_jcont"]
    refused = ["colour_eq", "reference_shout", "metadata_eq", "name_jcont"]
    values = {"default_true": "1", "metadata_jcont": '{"foo":"bar"}'}

    for key in accepted:
        assert any(p.match(key) for p in patterns), key
        value = values.get(key, "x")
        response = api_client.get(f"/api/customer_payment_sources?filter[q][{key}]={value}")
        assert response.status_code == 200, (key, response.content)
    for key in refused:
        assert not any(p.match(key) for p in patterns), key
        response = api_client.get(f"/api/customer_payment_sources?filter[q][{key}]=x")
        assert response.status_code == 400, key


# --- examples ------------------------------------------------------------------------------


def _example_values(document: dict[str, Any], media: dict[str, Any]) -> list[Any]:
    if "example" in media:
        return [media["example"]]
    values = []
    for example in media["examples"].values():
        name = example["$ref"].rsplit("/", 1)[-1]
        values.append(document["components"]["examples"][name]["value"])
    return values


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        section, name = node["$ref"].split("/")[-2:]
        node = document["components"][section][name]
    return node


def test_every_example_fits_its_schema(db):
    document = openapi_document()
    checked = 0

    for path, method, operation in operations(document):
        contents = [operation["requestBody"]["content"]] if "requestBody" in operation else []
        contents += [
            _resolve(document, response).get("content", {})
            for response in operation["responses"].values()
        ]
        for content in contents:
            for media in content.values():
                for value in _example_values(document, media):
                    errors = list(schema_of(document, media["schema"]).iter_errors(value))
                    assert not errors, (path, method, errors[0].message, list(errors[0].path))
                    checked += 1

    assert checked > 2 * len(operations(document))


def test_the_example_resource_is_commerce_layers_seed_example(db):
    seed = seed_document("retrieve_customer_payment_source.md")["data"]
    document = openapi_document()
    example = document["components"]["examples"]["CustomerPaymentSourcesDocument"]["value"]["data"]

    assert {key: example[key] for key in ("id", "type", "links", "meta")} == {
        key: seed[key] for key in ("id", "type", "links", "meta")
    }
    assert {name: example["attributes"][name] for name in seed["attributes"]} == seed["attributes"]
    for name, member in seed["relationships"].items():
        assert example["relationships"][name] == member


# --- the response check itself ----------------------------------------------------------


def _answer(status: int, body: Any) -> HttpResponse:
    return HttpResponse(json.dumps(body), status=status, content_type="application/vnd.api+json")


def test_the_response_check_refuses_an_answer_the_document_does_not_describe(db):
    api_document()
    gateway = factories.PaymentGatewayFactory()
    good = openapi_document()["components"]["examples"]["PaymentGatewaysDocument"]["value"]
    drifted = json.loads(json.dumps(good))
    drifted["data"]["attributes"]["colour"] = "red"
    path = f"/api/payment_gateways/{gateway.pk}"

    assert_openapi("GET", path, _answer(200, good), good)
    with pytest.raises(AssertionError):
        assert_openapi("GET", path, _answer(200, drifted), drifted)
    with pytest.raises(AssertionError):
        assert_openapi("GET", path, _answer(418, good), good)
    with pytest.raises(AssertionError):  # undocumented method: only a 405 error document
        assert_openapi("PUT", path, _answer(200, good), good)
    with pytest.raises(AssertionError):  # unknown URL: only a 404 error document
        assert_openapi("GET", "/api/nothing/here/at/all", _answer(200, good), good)


def test_the_response_check_refuses_a_media_type_the_response_does_not_list(db):
    gateway = factories.PaymentGatewayFactory()
    good = openapi_document()["components"]["examples"]["PaymentGatewaysDocument"]["value"]
    html = HttpResponse(json.dumps(good), status=200, content_type="text/html")

    with pytest.raises(AssertionError, match="text/html"):
        assert_openapi("GET", f"/api/payment_gateways/{gateway.pk}", html, good)


def test_the_response_check_refuses_a_header_that_does_not_match_its_schema(db):
    error = {
        "errors": [
            {"title": "Too many", "detail": "Wait.", "code": "TOO_MANY_REQUESTS", "status": "429"}
        ]
    }
    answer = _answer(429, error)
    answer["Retry-After"] = "12"
    assert_openapi("POST", "/oauth/token", answer, error)

    answer["Retry-After"] = "soon"
    with pytest.raises(AssertionError, match=r"Retry-After|integer"):
        assert_openapi("POST", "/oauth/token", answer, error)


# --- the docs page --------------------------------------------------------------------------


def test_the_docs_page_serves_swagger_ui_from_local_static_files(db):
    response = Client().get("/api/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/wallet/api_docs/docs.css" in html
    assert 'data-schema-url="/api/schema/?format=json"' in html
    assert not re.search(r"(src|href)=\"https?://", html)
