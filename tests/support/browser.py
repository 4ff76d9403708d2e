"""What the browser tests need besides their fixtures: where Chromium and axe-core are, a log of
the page's requests, screenshots at phone and desktop width, and axe-core's accessibility check.

The tests drive Debian's Chromium (``/usr/bin/chromium``; ``.ci/run`` installs it), inject
axe-core from ``node_modules`` (``make test`` installs it with npm) and write screenshots to
``artifacts/screenshots/``. ``tests/run_suite.sh`` takes the screenshots and runs the axe-core
audit in its SQLite run only (``WALLET_TEST_SCREENSHOTS=0`` and ``WALLET_TEST_AXE=0`` in the
PostgreSQL run): both databases draw the same markup, and the audit, which reads only the
page, cost that run 11 of its 81 CPU-seconds.
"""

import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Chromium's old headless shell (Debian's chromium-headless-shell, which Playwright also drives
# by default) draws the same pages for about 40 % less CPU than the full browser run headless.
HEADLESS_SHELL = Path("/usr/bin/chromium-headless-shell")
CHROMIUM = Path(
    os.environ.get("WALLET_CHROMIUM")
    or (HEADLESS_SHELL if HEADLESS_SHELL.exists() else "/usr/bin/chromium")
)
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
SCREENSHOTS_TAKEN = os.environ.get("WALLET_TEST_SCREENSHOTS", "1") != "0"
AXE_AUDITS = os.environ.get("WALLET_TEST_AXE", "1") != "0"
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


def new_page(browser: Any, base_url: str, **context_options: Any) -> Any:
    """A page in a fresh context (own cookies) on ``base_url``: desktop width and English
    unless ``context_options`` say otherwise, 15 s timeouts, every request logged."""
    context = browser.new_context(
        base_url=base_url, **{"viewport": DESKTOP, "locale": "en-US", **context_options}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base_url = base_url
    page.request_log = RequestLog()
    page.on("request", page.request_log.record)
    return page


def log_in_with_the_form(page: Any, email: str, password: str) -> None:
    """Log in through the shop's login form, as a shopper does, and land on the saved cards."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/wallet/")


def open_logged_in(page: Any, username: str, path: str | None = "/wallet/") -> None:
    """Open ``path`` (``None``: nothing yet) in the session logging in as ``username`` starts.

    Django's ``force_login`` makes the session and the browser gets its cookie: two page loads
    fewer than the form, for the tests about what comes after logging in. The login forms keep
    tests of their own (the storefront's and the demo's in ``test_storefront_browser``).
    """
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": page.base_url, "httpOnly": True}]
    )
    if path is not None:
        page.goto(path)


def shoot(page: Any, name: str) -> None:
    """Screenshot the page at 375 px and 1280 px, asserting no horizontal scroll at either.

    With ``WALLET_TEST_SCREENSHOTS=0`` the pictures are not taken; the check is made the same.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size or DESKTOP
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.evaluate("window.scrollTo(0, 0)")  # sticky parts are drawn where the top puts them
        page.wait_for_timeout(50)  # let layout settle after the resize
        if SCREENSHOTS_TAKEN:
            path = SCREENSHOTS / f"{name}-{viewport['width']}.png"
            page.screenshot(path=str(path), full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {viewport['width']}px"
    page.set_viewport_size(original)


def assert_accessible(page: Any, exclude: tuple[str, ...] = (), within: str | None = None) -> None:
    """Run axe-core on the page (less the ``exclude`` selectors); fail on a serious violation.

    ``within`` (a selector) checks only that part: the part a step changed, on a page already
    checked whole. With ``WALLET_TEST_AXE=0`` nothing is checked.
    """
    if not AXE_AUDITS:
        return
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        pytest.fail(f"axe-core did not load on {page.url}: is JavaScript switched off?")
    results = page.evaluate(
        """async ([exclude, within]) => await axe.run(
            {
                include: within ? [[within]] : [document],
                exclude: exclude.map((selector) => [selector]),
            },
            {resultTypes: ['violations']})""",
        [list(exclude), within],
    )
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
