"""Playwright fixtures for the storefront's browser tests.

The tests drive Debian's Chromium (``/usr/bin/chromium``; ``.ci/run`` installs it) against
pytest-django's live server, inject axe-core from ``node_modules`` (``make test`` installs it with
npm) and write screenshots to ``artifacts/screenshots/``. When Chromium, the ``playwright``
package or axe-core is missing, the tests are skipped with the reason.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run inside
# one unless told that this is safe (the loop never runs our code concurrently).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("WALLET_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def missing_requirement() -> str | None:
    """Why the browser tests cannot run here, or ``None`` when everything is in place."""
    if not CHROMIUM.exists():
        return (
            f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package "
            "(.ci/run does) to run the browser tests"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the 'playwright' Python package is not installed (pip install -e '.[dev]')"
    if not AXE.exists():
        return f"axe-core not found at {AXE}: run 'npm ci' (make test does)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session."""
    reason = missing_requirement()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


class RequestLog:
    """Every request the page sent: URL and body, to prove what never left the browser."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []

    def record(self, request: Any) -> None:
        """Keep one request's URL and body (empty for GETs)."""
        try:
            body = request.post_data or ""
        except UnicodeDecodeError:  # a binary body: keep it readable for the assertion
            body = (request.post_data_buffer or b"").decode("latin-1")
        self.requests.append((request.url, body))

    def containing(self, text: str) -> list[str]:
        """The URLs of requests whose URL or body contains ``text``."""
        return [url for url, body in self.requests if text in url or text in body]


def _new_page(browser: Any, live_server: Any, **context_options: Any) -> Any:
    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, locale="en-US", **context_options
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.request_log = RequestLog()
    page.on("request", page.request_log.record)
    return page


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    """Hash the test users' passwords cheaply (the live server runs in this process)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser page (own cookies) at desktop width, logging every request."""
    page = _new_page(browser, live_server)
    yield page
    page.context.close()


@pytest.fixture
def page_without_js(browser: Any, live_server: Any) -> Iterator[Any]:
    """A browser page with JavaScript switched off."""
    page = _new_page(browser, live_server, java_script_enabled=False)
    yield page
    page.context.close()


def shoot(page: Any, name: str) -> None:
    """Screenshot the page at 375 px and 1280 px, asserting no horizontal scroll on the phone."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size or DESKTOP
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.evaluate("window.scrollTo(0, 0)")  # sticky parts are drawn where the top puts them
        page.wait_for_timeout(50)  # let layout settle after the resize
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{viewport['width']}.png"), full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {viewport['width']}px"
    page.set_viewport_size(original)


def assert_accessible(page: Any) -> None:
    """Run axe-core on the page; fail on any serious or critical violation."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        pytest.fail(f"axe-core did not load on {page.url}: is JavaScript switched off?")
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    details = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(node["target"][0] for node in v["nodes"][:5])
        for v in serious
    )
    assert not serious, f"axe-core found violations on {page.url}:\n{details}"


def check_page(page: Any, name: str) -> None:
    """Screenshot the current page state at both widths and check it with axe-core."""
    shoot(page, name)
    assert_accessible(page)
