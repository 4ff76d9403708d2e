"""The router of the API: one viewset per resource type, trailing-slash-free routes.

Per type: ``<type>`` (``<type>-list``: list, create), ``<type>/<id>`` (``<type>-detail``:
retrieve, partial update, destroy), and per relationship ``<type>/<id>/<rel>``
(``<type>-<rel>``, the related records) and ``<type>/<id>/relationships/<rel>``
(``<type>-relationships-<rel>``, the linkage). A method the type does not allow is left out of
the route, so it answers 405 with an ``Allow`` header naming those it does.
"""

from collections.abc import Mapping
from typing import Any

from rest_framework.routers import Route, SimpleRouter

from wallet.api.resources import Resource
from wallet.api.viewsets import ResourceViewSet

# Roles-table action of each viewset action a write route maps (reads are always served).
WRITE_ACTIONS = {"create": "create", "partial_update": "update", "destroy": "delete"}


class ResourceRouter(SimpleRouter):
    """A :class:`SimpleRouter` whose routes come from each viewset's resource definition.

    Relationship routes are not ``@action``s: their names and number differ per type.
    """

    def __init__(self) -> None:
        super().__init__(trailing_slash=False, use_regex_path=False)

    def register_resource(self, resource: Resource) -> None:
        """Route ``resource`` under its type name."""
        self.register(resource.type, ResourceViewSet.for_resource(resource), basename=resource.type)

    def get_routes(self, viewset: Any) -> list[Route]:
        """The list and detail routes, then the related and linkage route of each relationship."""
        resource: Resource = viewset.resource
        routes = [
            self._route(viewset, "{prefix}", "{basename}-list", {"get": "list", "post": "create"}),
            self._route(
                viewset,
                "{prefix}/{lookup}",
                "{basename}-detail",
                {"get": "retrieve", "patch": "partial_update", "delete": "destroy"},
            ),
        ]
        for rel in resource.relationships:
            routes += [
                self._route(
                    viewset,
                    f"{{prefix}}/{{lookup}}/relationships/{rel.name}",
                    f"{{basename}}-relationships-{rel.name}",
                    {"get": "relationship"},
                    relationship_name=rel.name,
                ),
                self._route(
                    viewset,
                    f"{{prefix}}/{{lookup}}/{rel.name}",
                    f"{{basename}}-{rel.name}",
                    {"get": "related"},
                    relationship_name=rel.name,
                ),
            ]
        return routes

    def get_method_map(self, viewset: Any, method_map: Mapping[str, str]) -> dict[str, str]:
        """Only the writes the type allows and has a service for."""
        resource: Resource = viewset.resource
        return {
            method: action
            for method, action in super().get_method_map(viewset, method_map).items()
            if action not in WRITE_ACTIONS
            or (
                WRITE_ACTIONS[action] in resource.actions
                and getattr(resource, WRITE_ACTIONS[action]) is not None
            )
        }

    def _route(
        self, viewset: Any, url: str, name: str, mapping: dict[str, str], **initkwargs: Any
    ) -> Route:
        """A route whose view allows only the methods it maps (and HEAD): others answer 405."""
        served = self.get_method_map(viewset, mapping)
        initkwargs["http_method_names"] = ["get", "head", *(m for m in served if m != "get")]
        return Route(
            url=url, mapping=mapping, name=name, detail="{lookup}" in url, initkwargs=initkwargs
        )
