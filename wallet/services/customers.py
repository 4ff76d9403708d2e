"""Customers and the shop's users behind them: create, update, delete, link on first write."""

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from wallet.audit import SYSTEM, Actor, actor_for_user, record_event
from wallet.conf import wallet_settings
from wallet.exceptions import RecordLocked
from wallet.models import (
    AuditEntry,
    Customer,
)
from wallet.roles import CUSTOMER
from wallet.services.records import create_record, delete_record, update_record, validate_record

TAKEN_ACCOUNT = _("an account with this email already exists; sign in instead")
PROTECTED_ACCOUNT = _(
    "can't be changed through the wallet: the wallet did not create this account for this customer"
)


def _new_user(email: str, password: str) -> Any:
    """Create the login of a new customer; ``taken`` if the email already has an account.

    The insert runs in a savepoint: a concurrent signup with the same email that wins the race
    (the username's unique index) is a validation error, never a server error.
    """
    user_model = get_user_model()
    taken = ValidationError({"email": ValidationError(TAKEN_ACCOUNT, code="taken")})
    if user_model._default_manager.filter(email__iexact=email).exists():
        # Never set the password of an account this customer is not linked to (takeover).
        raise taken
    user = user_model(email=email)
    username_field = user_model.USERNAME_FIELD
    if username_field != "email":
        setattr(user, username_field, email)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise taken from exc
    return user


def _check_account_writable(customer: Customer, attribute: str) -> None:
    """Refuse to change the login of a customer unless the wallet created it for them.

    Django users are shared by both modes and by the shop itself: the wallet never changes the
    password or email of a staff or superuser account, of a user linked to another customer
    (the other mode's), or of a user it did not create for this very customer.
    """
    user = customer.user
    if user is None:
        return
    linked_elsewhere = Customer.objects.filter(user_id=user.pk).exclude(pk=customer.pk).exists()
    if (
        user.is_staff
        or user.is_superuser
        or not customer.user_created_by_wallet
        or linked_elsewhere
    ):
        raise ValidationError({attribute: ValidationError(PROTECTED_ACCOUNT, code="protected")})


def _check_current_password(customer: Customer, current_password: str | None) -> None:
    """A customer changes their own password only with proof of the current one."""
    if not current_password:
        raise ValidationError(
            {"current_password": ValidationError(_("can't be blank"), code="blank")}
        )
    if customer.user is None or not customer.user.check_password(current_password):
        raise ValidationError(
            {"current_password": ValidationError(_("is incorrect"), code="invalid")}
        )


def _revoke_other_credentials(
    user: Any, *, keep_token_id: int | None = None, keep_session_key: str | None = None
) -> None:
    """After a password change: delete the user's other API tokens, keep the current session.

    Other sessions die by themselves: Django checks each session's password hash on every
    request, and the new password changed it. The session that made the change (if any) gets
    the new hash so it stays signed in.
    """
    refresh_tokens = get_refresh_token_model().objects.filter(user=user)
    access_tokens = get_access_token_model().objects.filter(user=user)
    if keep_token_id is not None:
        refresh_tokens = refresh_tokens.exclude(access_token_id=keep_token_id)
        access_tokens = access_tokens.exclude(pk=keep_token_id)
    refresh_tokens.delete()
    access_tokens.delete()
    if keep_session_key:
        session = import_module(settings.SESSION_ENGINE).SessionStore(keep_session_key)
        if session.get(SESSION_KEY) == user._meta.pk.value_to_string(user):
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.save()


def _sync_user(customer: Customer, password: str | None) -> bool:
    """Create or update the Django user behind a customer so they can log in.

    Returns whether a new user was created (and linked to ``customer``, unsaved).
    """
    if not password:
        return False
    if customer.user is None:
        customer.user = _new_user(customer.email, password)
        customer.user_created_by_wallet = True
        return True
    _check_account_writable(customer, "password")
    customer.user.set_password(password)
    customer.user.save(update_fields=["password"])
    return False


def create_customer(
    *,
    mode: str,
    email: str,
    password: str | None = None,
    user: Any = None,
    reference: str = "",
    reference_origin: str = "",
    metadata: dict[str, Any] | None = None,
    actor: Actor = SYSTEM,
) -> Customer:
    """Create a customer; with ``password``, also the user account they log in with.

    A password is only ever set on a user the wallet creates here: with ``user`` given (an
    account the shop already has), a password is refused. Concurrent creations with one email
    end in one customer and ``taken`` errors, never a server error.
    """
    customer = Customer(
        mode=mode,
        email=(email or "").strip().lower(),
        user=user,
        reference=reference,
        reference_origin=reference_origin,
        metadata=metadata if metadata is not None else {},
    )
    _validate_password(password)
    try:
        with transaction.atomic():
            validate_record(customer)
            _sync_user(customer, password)
            return create_record(customer, actor=actor)
    except IntegrityError as exc:  # a concurrent creation won the race for this email or user
        raise ValidationError(
            {"email": ValidationError(_("has already been taken"), code="taken")}
        ) from exc


def _validate_password(password: str | None) -> None:
    if password is not None and len(password) < 8:
        raise ValidationError(
            {"password": ValidationError(_("must be at least 8 characters"), code="too_short")}
        )


def update_customer(
    customer: Customer,
    changes: dict[str, Any],
    *,
    actor: Actor = SYSTEM,
    keep_token_id: int | None = None,
    keep_session_key: str | None = None,
) -> Customer:
    """Update a customer; a ``password`` change updates the linked user account.

    Only a login the wallet created for this customer has its password or email changed
    (``protected`` otherwise). A customer acting for themselves must give ``current_password``.
    A password change revokes the user's API tokens and sessions except the caller's own
    (``keep_token_id``, ``keep_session_key``).
    """
    changes = dict(changes)
    password = changes.pop("password", None)
    current_password = changes.pop("current_password", None)
    if "email" in changes:
        changes["email"] = (changes["email"] or "").strip().lower()
    _validate_password(password)
    if password and actor.owner_type == CUSTOMER:
        _check_current_password(customer, current_password)
    previous_user_id = customer.user_id
    with transaction.atomic():
        update_record(customer, changes, actor=actor)
        if customer.user_id != previous_user_id and customer.user_created_by_wallet:
            # Linked to another account: the wallet did not create that one.
            customer.user_created_by_wallet = False
            Customer.objects.filter(pk=customer.pk).update(user_created_by_wallet=False)
        if "email" in changes and customer.user_id:
            _sync_user_email(customer)
        if password:
            linked_user_id = customer.user_id
            if _sync_user(customer, password):
                Customer.objects.filter(pk=customer.pk).update(
                    user=customer.user, user_created_by_wallet=True
                )
                record_event(
                    customer,
                    AuditEntry.Event.UPDATE,
                    actor,
                    {"user": [linked_user_id, customer.user_id]},
                )
            else:
                _revoke_other_credentials(
                    customer.user, keep_token_id=keep_token_id, keep_session_key=keep_session_key
                )
    return customer


def _sync_user_email(customer: Customer) -> None:
    """Keep the linked user's login email (and an email-shaped username) equal to the customer's."""
    user = customer.user
    if user is None or user.email.lower() == customer.email:
        return
    _check_account_writable(customer, "email")
    user_model = type(user)
    if (
        user_model._default_manager.filter(email__iexact=customer.email)
        .exclude(pk=user.pk)
        .exists()
    ):
        raise ValidationError(
            {"email": ValidationError(_("is already used by another account"), code="taken")}
        )
    previous = user.email
    user.email = customer.email
    fields = ["email"]
    username_field = user_model.USERNAME_FIELD
    if username_field != "email" and getattr(user, username_field) == previous:
        setattr(user, username_field, customer.email)
        fields.append(username_field)
    try:
        with transaction.atomic():
            user.save(update_fields=fields)
    except IntegrityError as exc:  # a concurrent signup took the email
        raise ValidationError(
            {"email": ValidationError(_("is already used by another account"), code="taken")}
        ) from exc


def delete_customer(customer: Customer, *, actor: Actor = SYSTEM) -> None:
    """Delete a customer without orders; their saved sources go with them."""
    with transaction.atomic():
        if customer.orders.exists():
            raise RecordLocked(_("This customer has orders and cannot be deleted."))
        for source in customer.customer_payment_sources.all():
            delete_record(source, actor=actor)
        delete_record(customer, actor=actor)


def _may_link_by_email(user: Any) -> bool:
    """Whether the shop's ``LINK_CUSTOMERS_BY_VERIFIED_EMAIL`` hook vouches for the user's email."""
    hook = wallet_settings.LINK_CUSTOMERS_BY_VERIFIED_EMAIL
    if not hook:
        return False
    if isinstance(hook, str):
        hook = import_string(hook)
    return bool(hook(user))


def ensure_customer_for_user(user: Any, mode: str) -> Customer:
    """The wallet customer of a logged-in user in ``mode``, created on their first write.

    Write paths only (paying, saving a card, an API session's write); reads use
    :func:`wallet.selectors.customer_of_user`, which never writes. A user is never linked to an
    existing customer by email, unless the shop's ``LINK_CUSTOMERS_BY_VERIFIED_EMAIL`` hook
    says the user's email is verified: otherwise a new customer is created with the user's
    email (``taken`` when another customer already has it).
    """
    if user is None or not getattr(user, "is_authenticated", False):
        raise ValueError("ensure_customer_for_user needs a logged-in user")
    customer = Customer.objects.filter(user=user, mode=mode).first()
    if customer is not None:
        return customer
    actor = actor_for_user(user)
    with transaction.atomic():
        if user.email and _may_link_by_email(user):
            existing = (
                Customer.objects.select_for_update()
                .filter(email__iexact=user.email, mode=mode, user=None)
                .first()
            )
            if existing is not None:
                return update_record(existing, {"user": user}, actor=actor)
    try:
        return create_customer(mode=mode, email=user.email, user=user, actor=actor)
    except ValidationError:
        # A concurrent request created it; anything else (email taken) is the caller's error.
        customer = Customer.objects.filter(user=user, mode=mode).first()
        if customer is None:
            raise
        return customer


def customer_for_user(user: Any, mode: str, *, create: bool = True) -> Customer | None:
    """The wallet customer of a user: created (a write) with ``create``, else read only.

    Kept for callers of earlier versions; new code calls
    :func:`wallet.selectors.customer_of_user` on reads and :func:`ensure_customer_for_user` on
    writes.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not create:
        return Customer.objects.filter(user=user, mode=mode).first()
    return ensure_customer_for_user(user, mode)
