"""Playwright fixtures for the storefront's browser tests, against pytest-django's live server.

When Chromium, the ``playwright`` package or axe-core is missing, the tests are skipped with the
reason (see ``tests/support/browser.py``).
"""

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, missing_requirement, new_page

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@contextlib.contextmanager
def _orm_beside_playwrights_loop() -> Iterator[None]:
    """Let this thread use the ORM while Playwright's sync API is open, and only then.

    The sync API runs an asyncio loop in a greenlet of this thread, and asyncio registers a
    running loop per thread, so Django's async-unsafe check refuses every query of this thread
    until Playwright stops (the loop never runs our code concurrently). The allowance ends with
    Playwright, so tests after the browser tests run with Django's check on.
    """
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One headless Chromium for the browser tests, stopped after the last of them."""
    reason = missing_requirement()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with _orm_beside_playwrights_loop(), sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser page (own cookies) at desktop width, logging every request."""
    page = new_page(browser, live_server.url)
    yield page
    page.context.close()


@pytest.fixture
def page_without_js(browser: Any, live_server: Any) -> Iterator[Any]:
    """A browser page with JavaScript switched off."""
    page = new_page(browser, live_server.url, java_script_enabled=False)
    yield page
    page.context.close()
