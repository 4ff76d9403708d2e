"""URLs of the wallet's storefront pages (namespace ``wallet``); the API lives in ``wallet.api``."""

from django.urls import path, register_converter
from django.views.generic import RedirectView

from wallet import authentication_views, views, webhooks


class PublicIdConverter:
    """Public ids are base62: anything else (a NUL character, say) never reaches a view."""

    regex = "[0-9A-Za-z]{1,32}"

    def to_python(self, value: str) -> str:
        """The id as given."""
        return value

    def to_url(self, value: str) -> str:
        """The id as given."""
        return value


register_converter(PublicIdConverter, "public_id")

app_name = "wallet"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="wallet:saved-cards"), name="home"),
    path("wallet/", views.saved_cards, name="saved-cards"),
    path(
        "wallet/cards/<public_id:card_id>/default/", views.set_default_card, name="set-default-card"
    ),
    path("wallet/cards/add/", views.add_card, name="add-card"),
    path(
        "wallet/cards/stripe-setup-intent/",
        authentication_views.wallet_setup_intent,
        name="wallet-setup-intent",
    ),
    path("wallet/cards/<public_id:card_id>/edit/", views.edit_card, name="edit-card"),
    path("wallet/cards/<public_id:card_id>/update/", views.update_card, name="update-card"),
    path("wallet/cards/<public_id:card_id>/remove/", views.remove_card, name="remove-card"),
    path("wallet/cards/<public_id:card_id>/restore/", views.restore_card, name="restore-card"),
    path("checkout/<public_id:order_id>/payment/", views.payment, name="payment"),
    path("checkout/<public_id:order_id>/confirmation/", views.confirmation, name="confirmation"),
    path(
        "checkout/<public_id:order_id>/authenticate/",
        authentication_views.authenticate,
        name="authenticate",
    ),
    path(
        "checkout/<public_id:order_id>/stripe-setup-intent/",
        authentication_views.stripe_setup_intent,
        name="stripe-setup-intent",
    ),
    path(
        "wallet/webhooks/stripe/<public_id:gateway_id>/",
        webhooks.stripe_webhook,
        name="stripe-webhook",
    ),
]
