"""Storefront forms: choose how to pay an order.

The forms only translate the customer's input; the services decide and write. The card number and
CVC of a new card never reach these forms: the browser turns them into a gateway token first.
"""

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from wallet.instruments import CardDisplay
from wallet.validators import validate_no_card_number

NEW_CARD = "new"


class PaymentForm(forms.Form):
    """Pay with one of the customer's saved cards or with a new card's gateway token.

    ``cards`` are the customer's saved cards as :class:`~wallet.instruments.CardDisplay`; an expired
    card is refused even when its id is posted by hand.
    """

    payment_method = forms.CharField(label=_("Payment method"), required=False)
    payment_source_token = forms.CharField(
        required=False, max_length=255, validators=[validate_no_card_number]
    )
    card_holder_name = forms.CharField(
        required=False, max_length=100, validators=[validate_no_card_number]
    )
    # Only to show the expiry again after a decline; the token carries the card's real one.
    card_expiry = forms.CharField(
        required=False, max_length=7, validators=[validate_no_card_number]
    )
    save_card = forms.BooleanField(label=_("Save this card for next time"), required=False)

    def __init__(self, *args: Any, cards: Sequence[CardDisplay] = (), **kwargs: Any) -> None:
        """Bind the form to the customer's saved cards."""
        super().__init__(*args, **kwargs)
        self.cards = list(cards)
        self._cards_by_id = {card.id: card for card in self.cards}

    def clean_payment_method(self) -> str:
        """Accept ``new`` or the id of one of the customer's usable saved cards."""
        value = self.cleaned_data["payment_method"]
        if not value:
            if not any(card.is_selectable for card in self.cards):
                raise forms.ValidationError(
                    _(
                        "You have no saved card that can pay this order, and paying with a new "
                        "card needs JavaScript. Turn JavaScript on and reload this page."
                    ),
                    code="required",
                )
            raise forms.ValidationError(_("Choose a card to pay with."), code="required")
        if value == NEW_CARD:
            return value
        card = self._cards_by_id.get(value)
        if card is None:
            raise forms.ValidationError(
                _("That card is not in your wallet. Choose another card."), code="invalid_choice"
            )
        if card.is_expired:
            raise forms.ValidationError(
                _("%(card)s has expired and cannot be used. Choose another card."),
                code="expired",
                params={"card": card.label},
            )
        return value

    def clean(self) -> dict[str, Any]:
        """A new card needs the token the browser made from it."""
        # Form.clean returns cleaned_data; the stubs allow None for overrides that return nothing.
        cleaned = cast(dict[str, Any], super().clean())
        missing_token = not cleaned.get("payment_source_token")
        if (
            cleaned.get("payment_method") == NEW_CARD
            and missing_token
            and "payment_source_token" not in self.errors
        ):
            self.add_error(
                "payment_source_token",
                forms.ValidationError(
                    _(
                        "Enter your card details. Paying with a new card needs JavaScript "
                        "so that your card number goes straight to the payment gateway."
                    ),
                    code="required",
                ),
            )
        return cleaned

    @property
    def uses_new_card(self) -> bool:
        """Whether the customer pays with a new card's token."""
        return self.cleaned_data.get("payment_method") == NEW_CARD

    @property
    def has_usable_cards(self) -> bool:
        """Whether one of the saved cards can pay (else only a new card, which needs JS)."""
        return any(card.is_selectable for card in self.cards)

    def kept_card_details(self) -> dict[str, Any]:
        """What the shopper typed for a new card and sees again after a decline.

        The holder's name, the expiry and the "save" choice: never the number or the CVC,
        which never reach the server.
        """
        if not self.is_bound or self.data.get("payment_method") != NEW_CARD:
            return {"holder": "", "expiry": "", "save": False}
        return {
            "holder": str(self.data.get("card_holder_name", ""))[:100],
            "expiry": str(self.data.get("card_expiry", ""))[:7],
            "save": self.data.get("save_card") in ("on", "true", "1"),
        }

    def initial_method(self) -> str:
        """The method to preselect: the posted one, else the default usable card, else new."""
        if self.is_bound:
            posted = self.data.get("payment_method", "")
            card = self._cards_by_id.get(posted)
            if posted == NEW_CARD or (card is not None and card.is_selectable):
                return posted
        usable = [card for card in self.cards if card.is_selectable]
        for card in usable:
            if card.is_default:
                return card.id
        return usable[0].id if usable else NEW_CARD


class NicknameForm(forms.Form):
    """Name a saved card, like "Work card"; empty clears the nickname."""

    nickname = forms.CharField(
        label=_("Nickname"),
        required=False,
        max_length=40,
        validators=[validate_no_card_number],
        help_text=_("Optional. Shown with the card, like “Work card”. Up to 40 characters."),
    )


class CardTokenForm(forms.Form):
    """A card typed into the gateway's fields, as the browser posts it: its token only.

    Used to add a card to the wallet and to update a saved card's expiry and holder. The card
    number and CVC inputs have no name: only the token the gateway's script made is posted.
    """

    payment_source_token = forms.CharField(
        required=True,
        max_length=255,
        validators=[validate_no_card_number],
        error_messages={
            "required": _(
                "Enter your card details. Saving a card needs JavaScript so that your card "
                "number goes straight to the payment gateway."
            )
        },
    )
    card_holder_name = forms.CharField(
        required=False, max_length=100, validators=[validate_no_card_number]
    )
    card_expiry = forms.CharField(
        required=False, max_length=7, validators=[validate_no_card_number]
    )
    nickname = forms.CharField(
        label=_("Nickname"), required=False, max_length=40, validators=[validate_no_card_number]
    )
    make_default = forms.BooleanField(label=_("Make this my default card"), required=False)
