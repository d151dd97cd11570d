"""/api/v1/openapi.json: a complete OpenAPI 3 document generated from the code."""

from __future__ import annotations

import re

OPERATIONS = {
    "/api/v1/pages": {"get"},
    "/api/v1/pages/{page_id}": {"get"},
    "/api/v1/subscribers": {"get"},
    "/api/v1/subscribers/{subscriber_id}": {"get", "patch"},
    "/api/v1/segments": {"get", "post"},
    "/api/v1/segments/preview": {"post"},
    "/api/v1/segments/{segment_id}": {"get", "patch", "delete"},
    "/api/v1/segments/{segment_id}/subscribers": {"get"},
    "/api/v1/growth-links": {"get", "post"},
    "/api/v1/growth-links/{link_id}": {"get", "delete"},
    "/api/v1/conversations": {"get"},
    "/api/v1/conversations/{conversation_id}": {"get", "patch"},
    "/api/v1/conversations/{conversation_id}/messages": {"get"},
    "/api/v1/conversations/{conversation_id}/reply": {"post"},
    "/api/v1/conversations/{conversation_id}/notes": {"get", "post"},
    "/api/v1/broadcasts": {"get", "post"},
    "/api/v1/broadcasts/{broadcast_id}": {"get"},
    "/api/v1/broadcasts/{broadcast_id}/audience": {"get"},
    "/api/v1/broadcasts/{broadcast_id}/schedule": {"post"},
    "/api/v1/broadcasts/{broadcast_id}/pause": {"post"},
    "/api/v1/broadcasts/{broadcast_id}/resume": {"post"},
    "/api/v1/broadcasts/{broadcast_id}/cancel": {"post"},
}
METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}


def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")  # public: no key needed to read the docs
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def refs(node) -> list[str]:
    """Every $ref anywhere in a JSON tree."""
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs(value)]
    return []


def test_the_document_is_openapi_3_with_every_endpoint(client):
    doc = document(client)
    assert doc["openapi"] == "3.0.3"
    assert doc["info"]["title"] == "Herald API"
    assert doc["info"]["version"] == "v1"
    assert {path: set(item) & METHODS for path, item in doc["paths"].items()} == OPERATIONS


def test_the_bearer_scheme_protects_every_operation(client):
    doc = document(client)
    assert doc["components"]["securitySchemes"]["bearerAuth"]["type"] == "http"
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert doc["security"] == [{"bearerAuth": []}]
    for path, item in doc["paths"].items():
        for method in set(item) & METHODS:
            responses = item[method]["responses"]
            assert responses["401"] == {"$ref": "#/components/responses/UNAUTHORIZED"}, path
            assert responses["429"] == {"$ref": "#/components/responses/TOO_MANY_REQUESTS"}


def test_every_operation_documents_its_success_schema_and_errors(client):
    doc = document(client)
    for path, item in doc["paths"].items():
        for method in set(item) & METHODS:
            operation = item[method]
            assert operation["summary"], (method, path)
            assert operation["tags"], (method, path)
            successes = [code for code in operation["responses"] if code.startswith("2")]
            assert len(successes) == 1, (method, path)
            success = operation["responses"][successes[0]]
            if successes[0] != "204":
                schema = success["content"]["application/json"]["schema"]
                assert schema["$ref"].startswith("#/components/schemas/"), (method, path)
            if "{" in path:
                assert "404" in operation["responses"], (method, path)
            if method in {"post", "patch"} or operation.get("parameters"):
                assert "422" in operation["responses"], (method, path)
                if method in {"post", "patch"}:
                    assert "requestBody" in operation, (method, path)


def test_component_schemas_describe_the_responses_and_errors(client):
    doc = document(client)
    schemas = doc["components"]["schemas"]
    assert set(schemas["Page"]["properties"]) == {
        "id", "facebook_page_id", "name", "username", "category", "status", "status_reason",
        "missing_permissions", "subscribed_fields", "m_me_link", "subscriber_count",
        "connected_at",
    }  # fmt: skip
    assert set(schemas["Subscriber"]["properties"]) == {
        "id", "page_id", "psid", "profile", "source", "ref", "first_seen_at", "last_inbound_at",
        "last_outbound_at", "window", "subscribed", "unreachable", "unreachable_reason", "tags",
        "fields",
    }  # fmt: skip
    assert set(schemas["GrowthLink"]["properties"]) == {
        "id", "page_id", "name", "ref", "url", "subscribers"
    }  # fmt: skip
    assert set(schemas["SubscriberList"]["properties"]) == {"data", "next_cursor"}
    assert set(schemas["SegmentMembers"]["properties"]) == {"data", "next_cursor", "count"}
    assert schemas["Window"]["properties"]["state"]["enum"] == ["open", "human_agent", "closed"]
    assert set(schemas["ErrorDetail"]["properties"]) == {"status", "code", "message", "details"}
    error_response = doc["components"]["responses"]["NOT_FOUND"]
    assert error_response["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    for ref in refs(doc):  # every reference resolves
        kind, name = re.fullmatch(r"#/components/(\w+)/(.+)", ref).groups()
        assert name in doc["components"][kind], ref


def test_no_token_field_is_documented(client):
    text = client.get("/api/v1/openapi.json").get_data(as_text=True)
    assert "access_token" not in text
    assert "facebook_token" not in text


def test_the_subscriber_filters_are_documented_as_query_parameters(client):
    operation = document(client)["paths"]["/api/v1/subscribers"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert names == {
        "limit", "cursor", "page_id", "tags_any", "tags_all", "tags_none", "subscribed",
        "reachable", "window", "source", "ref", "first_seen_from", "first_seen_to",
        "last_active_from", "last_active_to", "field", "search", "segment_id",
    }  # fmt: skip
