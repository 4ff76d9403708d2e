"""The wallet's OAuth2 validator overrides two private methods of django-oauth-toolkit.

DOT offers no public hook for them (``_load_application``: where every grant loads its client;
``_check_secret``: how a client secret is compared), so ``pyproject.toml`` bounds DOT to the
versions they were checked against. These tests fail loudly on any other version: re-check the
overrides in ``wallet/oauth/validators.py``, then move the bound.
"""

import base64
import inspect
import tomllib
from importlib.metadata import version
from pathlib import Path

from oauth2_provider.models import Application
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.common import Request
from packaging.specifiers import SpecifierSet

from wallet.oauth import WalletOAuth2Validator, create_credential

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
PRIVATE_HOOKS = {
    "_load_application": ["self", "client_id", "request"],
    "_check_secret": ["self", "provided_secret", "stored_secret"],
}


def _dot_requirement() -> SpecifierSet:
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    requirement = next(d for d in dependencies if d.startswith("django-oauth-toolkit"))
    return SpecifierSet(requirement.removeprefix("django-oauth-toolkit").split(";")[0])


def test_django_oauth_toolkit_has_an_upper_bound_the_installed_version_meets():
    specifier = _dot_requirement()
    assert any(spec.operator in ("<", "<=", "~=", "==") for spec in specifier), (
        "django-oauth-toolkit needs an upper bound: the wallet overrides its private methods"
    )
    installed = version("django-oauth-toolkit")
    assert installed in specifier, (
        f"django-oauth-toolkit {installed} is outside {specifier}: re-check "
        "WalletOAuth2Validator._load_application and _check_secret, then move the bound"
    )


def test_the_private_methods_the_validator_overrides_keep_their_signatures():
    for name, parameters in PRIVATE_HOOKS.items():
        method = getattr(OAuth2Validator, name, None)
        assert method is not None, f"DOT no longer has OAuth2Validator.{name}"
        assert list(inspect.signature(method).parameters) == parameters, name
        assert name in vars(WalletOAuth2Validator), f"the wallet no longer overrides {name}"


def _basic_request(client_id: str, secret: str) -> Request:
    value = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return Request("/oauth/token", headers={"HTTP_AUTHORIZATION": f"Basic {value}"})


def test_dot_still_authenticates_clients_through_the_overridden_hooks(db):
    credential, secret = create_credential(name="Hooks", kind="integration", mode="test")
    client_id = credential.application.client_id
    validator = WalletOAuth2Validator()
    # The wallet's hashed secret is only understood by the ``_check_secret`` override.
    assert validator.authenticate_client(_basic_request(client_id, secret))
    assert not validator.authenticate_client(_basic_request(client_id, secret + "x"))
    # A DOT application that is no wallet credential is refused by ``_load_application``.
    foreign = Application.objects.create(
        name="foreign",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret="foreign-secret",
        hash_client_secret=False,  # stored as is: the secret would match, the client does not
    )
    assert not validator.authenticate_client(_basic_request(foreign.client_id, "foreign-secret"))
