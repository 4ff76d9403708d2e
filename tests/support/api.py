"""Building JSON:API request documents and reading error answers, for the API tests."""

from typing import Any


def document(
    type_name: str,
    attributes: dict[str, Any] | None = None,
    relationships: dict[str, tuple[str, str] | None] | None = None,
    pk: str | None = None,
) -> dict[str, Any]:
    """A JSON:API request document; ``relationships`` maps a name to ``(type, id)`` or None."""
    data: dict[str, Any] = {"type": type_name}
    if pk is not None:
        data["id"] = pk
    if attributes is not None:
        data["attributes"] = attributes
    if relationships is not None:
        data["relationships"] = {
            name: {"data": None if value is None else {"type": value[0], "id": value[1]}}
            for name, value in relationships.items()
        }
    return {"data": data}


def errors_of(response: Any) -> list[dict[str, Any]]:
    """The error objects of a response (fails when it is not an error document)."""
    assert response.doc is not None and "errors" in response.doc, response.content
    return response.doc["errors"]


def first_error(response: Any) -> dict[str, Any]:
    """The first error object of an error response."""
    return errors_of(response)[0]


def assert_error(
    response: Any,
    status: int,
    code: str,
    pointer: str | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """Assert the first error's status, code, pointer and ``meta.error``; return it."""
    assert response.status_code == status, response.content
    err = first_error(response)
    assert err["status"] == str(status)
    assert err["code"] == code
    assert err["title"] and err["detail"]
    if pointer is not None:
        assert err["source"] == {"pointer": pointer}
    if error is not None:
        assert err["meta"]["error"] == error
    return err


def patch_order(api_client: Any, order: Any, query: str = "", **attributes: Any) -> Any:
    """PATCH ``order`` with (trigger) ``attributes``; the response."""
    body = {"data": {"type": "orders", "id": order.pk, "attributes": attributes}}
    return api_client.patch(f"/api/orders/{order.pk}{query}", body)
