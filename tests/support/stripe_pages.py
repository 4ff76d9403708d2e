"""Helpers of the Stripe and 3-D Secure browser tests: log in, screenshots, axe.

Stripe's card element is Stripe's own (an iframe from js.stripe.com; localstripe's stand-in
draws bare inputs in its place), so the axe check leaves it out; everything else of the page is
checked. Screenshots go where every browser test's go (``tests.support.browser.shoot``).
"""

from typing import Any

from tests.support.browser import assert_accessible, open_logged_in, shoot

EMAIL = "ada@example.com"


def log_in(page: Any, email: str = EMAIL) -> None:
    """Open the saved cards as ``email``, logged in (the login form has tests of its own)."""
    open_logged_in(page, email)


def check(page: Any, name: str) -> None:
    """Screenshot at 375 and 1280 px (no sideways scroll) and run axe without Stripe's element."""
    shoot(page, name)
    assert_accessible(page, exclude=("[data-stripe-card]",))
