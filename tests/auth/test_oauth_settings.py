"""One token lifetime setting: the wallet's. The DOT settings its token views override warn."""

from django.core.checks import run_checks
from django.test import override_settings
from django.utils import timezone
from oauth2_provider.models import AccessToken


def _ignored_setting_warnings() -> list[str]:
    return [message.msg for message in run_checks() if message.id == "wallet.W001"]


def test_the_demo_sets_no_dot_setting_the_wallet_ignores():
    assert _ignored_setting_warnings() == []


@override_settings(
    OAUTH2_PROVIDER={
        "ACCESS_TOKEN_EXPIRE_SECONDS": 60,
        "OAUTH2_VALIDATOR_CLASS": "oauth2_provider.oauth2_validators.OAuth2Validator",
    }
)
def test_dot_settings_the_wallet_overrides_are_named_by_a_system_check():
    assert _ignored_setting_warnings() == [
        "OAUTH2_PROVIDER['ACCESS_TOKEN_EXPIRE_SECONDS'] is ignored by the wallet's token endpoint.",
        "OAUTH2_PROVIDER['OAUTH2_VALIDATOR_CLASS'] is ignored by the wallet's token endpoint.",
    ]


@override_settings(
    OAUTH2_PROVIDER={"ACCESS_TOKEN_EXPIRE_SECONDS": 60},
    WALLET={"ACCESS_TOKEN_EXPIRE_SECONDS": 900},
)
def test_the_token_lifetime_is_the_wallets_whatever_dot_says(integration):
    response = integration.token_request(grant_type="client_credentials")
    assert response.status_code == 200
    assert response.json()["expires_in"] == 900
    stored = AccessToken.objects.get()
    assert abs((stored.expires - timezone.now()).total_seconds() - 900) < 30
