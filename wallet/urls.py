"""URLs of the wallet's storefront pages (namespace ``wallet``); the API lives in ``wallet.api``."""

from django.urls import path
from django.views.generic import RedirectView

from wallet import views

app_name = "wallet"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="wallet:saved-cards"), name="home"),
    path("wallet/", views.saved_cards, name="saved-cards"),
    path("wallet/cards/<str:card_id>/default/", views.set_default_card, name="set-default-card"),
    path("wallet/cards/<str:card_id>/remove/", views.remove_card, name="remove-card"),
    path("checkout/<str:order_id>/payment/", views.payment, name="payment"),
    path("checkout/<str:order_id>/confirmation/", views.confirmation, name="confirmation"),
]
