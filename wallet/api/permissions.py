"""DRF permission of the API: the roles table (:mod:`wallet.roles`) and its object rules.

A viewset action counts as a roles-table action: ``list``, ``retrieve``, ``create``,
``partial_update`` (update) and ``destroy`` (delete) on the routed type; related and
relationship routes as ``list`` (to-many) or ``retrieve`` (to-one) of the *target* type, and as
``retrieve`` of the parent record. Every relationship an ``include`` reaches must be readable too.
A refusal is 401 ``UNAUTHORIZED`` (the viewset's ``permission_denied``). Scoping (mode, own
customer) is done by the selectors; what a role may *change* in a record is the services'.
"""

from typing import TYPE_CHECKING, Any, cast

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from wallet import services
from wallet.api.access import Access
from wallet.models import CustomerPaymentSource, ExternalPayment, Order
from wallet.roles import CREATE, CUSTOMER, LIST, RETRIEVE, SALES_CHANNEL, role_may

if TYPE_CHECKING:
    from wallet.api.viewsets import ResourceViewSet


def is_allowed(access: Access, resource_type: str, action: str, obj: Any = None) -> bool:
    """Whether ``access``'s role may perform ``action`` on ``resource_type`` (and on ``obj``).

    ``obj`` is the record acted on (retrieve, update, delete) or, for a create, the record it is
    made from (a customer's saved card: the payment it was paid with; a sales channel's
    payment: its order). Without ``obj`` the answer is the role's alone.
    """
    if not role_may(access.role, resource_type, action):
        return False
    if obj is None:
        return True
    if access.role == SALES_CHANNEL and resource_type == "external_payments":
        # A sales channel pays only orders awaiting a payment.
        order = obj.order if isinstance(obj, ExternalPayment) else obj
        return isinstance(order, Order) and order.status in Order.PAYABLE_STATUSES
    if access.role == CUSTOMER and resource_type == "customer_payment_sources":
        if action == CREATE:
            return (
                isinstance(obj, ExternalPayment)
                and obj.mode == access.scope.mode
                and services.paid_by(access.actor, obj)
            )
        if isinstance(obj, CustomerPaymentSource):
            return obj.customer_id == access.scope.customer_id
    return True


class RolePermission(BasePermission):
    """The roles table as a DRF permission; object rules through ``check_object_permissions``."""

    # Narrower than DRF's ``view: APIView``: only the wallet's viewsets use this permission.
    def has_permission(self, request: Request, view: "ResourceViewSet") -> bool:  # type: ignore[override]
        """The role may do the action on the routed (or target) type and read every include."""
        checked = view.checked_action()
        if checked is None:  # a method the route does not serve: its 405 follows
            return True
        resource_type, action = checked
        role = cast(Access, request.auth).role
        if not role_may(role, resource_type, action):
            return False
        return all(
            role_may(role, target, LIST if many else RETRIEVE)
            for target, many in view.included_relationships()
        )

    # Narrower than DRF's ``view: APIView``, as above.
    def has_object_permission(  # type: ignore[override]
        self, request: Request, view: "ResourceViewSet", obj: Any
    ) -> bool:
        """The object rules of the table, on the record acted on (or a create's subject)."""
        resource_type, action = view.object_action()
        return is_allowed(cast(Access, request.auth), resource_type, action, obj)
