"""In Chromium: the API docs page (Swagger UI on the app's OpenAPI document), served from the
shop's own static files, checked with axe in each state a reader reaches (the whole page with
its list, then what each step changes: the Authorize dialog, the operation with its answer),
and its Authorize button getting a token from ``/oauth/token`` that the "Try it out" request
then carries."""

import base64

import pytest

from tests.support.browser import SCREENSHOTS, assert_accessible, shoot
from wallet.oauth import create_credential

pytestmark = pytest.mark.browser

LIST_SOURCES = "#operations-customer_payment_sources-list_customer_payment_sources"


@pytest.fixture
def integration(db):
    """An integration credential in test mode: ``(client_id, secret)``."""
    credential, secret = create_credential(name="docs reader", kind="integration", mode="test")
    return credential.application.client_id, secret


def test_the_docs_page_is_local_and_accessible_and_authorize_gets_a_token(
    page, live_server, integration
):
    client_id, secret = integration
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock", timeout=30_000)

    assert page.locator(".opblock").count() > 100
    outside = [
        url for url, _body in page.request_log.requests if not url.startswith(live_server.url)
    ]
    assert outside == []
    shoot(page, "api-docs")
    assert_accessible(page)

    # Authorize with the client credentials flow: Swagger UI asks /oauth/token itself.
    page.locator(".scheme-container button.authorize").click()
    page.wait_for_selector(".modal-ux")
    assert_accessible(page, within=".modal-ux")
    page.fill("#client_id_clientCredentials", client_id)
    page.fill("#client_secret_clientCredentials", secret)
    with page.expect_response(lambda r: r.url.endswith("/oauth/token")) as token_answer:
        page.locator(".auth-container", has_text="clientCredentials").locator(
            "button.authorize"
        ).click()
    token = token_answer.value
    assert token.status == 200
    basic = token.request.headers.get("authorization", "")
    assert basic == "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    access_token = token.json()["access_token"]
    page.wait_for_selector(".auth-container >> text=Logout")
    assert_accessible(page, within=".modal-ux")
    page.locator(".modal-ux button.close-modal").click()

    # "Try it out" on the list of saved sources: the request carries the token, answers 200.
    operation = page.locator(LIST_SOURCES)
    operation.locator(".opblock-summary-control").click()
    operation.locator("button.try-out__btn").click()
    with page.expect_request(lambda r: "/api/customer_payment_sources" in r.url) as sent:
        operation.locator("button.execute").click()
    assert sent.value.headers["authorization"] == f"Bearer {access_token}"
    status = operation.locator(".live-responses-table tr.response td.response-col_status").first
    status.wait_for()
    assert status.inner_text().strip().startswith("200")
    assert "record_count" in operation.locator(".live-responses-table").inner_text()
    assert_accessible(page, within=LIST_SOURCES)
    page.screenshot(path=str(SCREENSHOTS / "api-docs-try-it-out.png"), full_page=False)
