"""Helpers of the Stripe and 3-D Secure browser tests: log in, screenshots under /tmp, axe.

Stripe's card element is Stripe's own (an iframe from js.stripe.com; localstripe's stand-in
draws bare inputs in its place), so the axe check leaves it out; everything else of the page is
checked. Screenshots go to ``WALLET_SCREENSHOTS`` (default ``/tmp/wallet-screenshots``).
"""

import os
from pathlib import Path
from typing import Any

from tests import factories
from tests.support.browser import AXE, DESKTOP, PHONE

SHOTS = Path(os.environ.get("WALLET_SCREENSHOTS", "/tmp/wallet-screenshots"))
EMAIL = "ada@example.com"


def log_in(page: Any, email: str = EMAIL) -> None:
    """Log in through the login form."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/wallet/")


def check(page: Any, name: str) -> None:
    """Screenshot at 375 and 1280 px (no sideways scroll) and run axe without Stripe's element."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.wait_for_timeout(50)
        page.screenshot(path=str(SHOTS / f"{name}-{viewport['width']}.png"), full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {viewport['width']}px"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        """async () => await axe.run(
            {exclude: [['[data-stripe-card]']]}, {resultTypes: ['violations']})"""
    )
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, "\n".join(
        f"{v['id']}: {v['help']} -> {[n['target'] for n in v['nodes'][:3]]}" for v in serious
    )
