"""Routes of the JSON:API (namespace ``wallet-api``), mounted by the shop at ``/api/``.

One set of trailing-slash-free routes per resource type: the collection, the item, and for each
relationship its related route and its ``relationships/<name>`` linkage route. Anything else
under the mount point answers a JSON:API 404.
"""

from django.urls import URLPattern, path, re_path

from wallet.api.resources import RESOURCES
from wallet.api.schema import PublicSchemaView, PublicSwaggerView, serializer_for
from wallet.api.views import (
    CollectionView,
    ItemView,
    RelatedView,
    RelationshipView,
    not_found_view,
)

app_name = "wallet-api"


def resource_patterns() -> list[URLPattern]:
    """The routes of every resource type, named ``<type>-list``, ``<type>-detail`` …

    ``http_method_names`` lists only what the type allows, so other methods answer 405 and the
    schema documents no write a read-only type refuses.
    """
    patterns = []
    for type_name, resource in RESOURCES.items():
        serializer = serializer_for(type_name)
        init = {"resource_type": type_name, "serializer_class": serializer}
        collection = ["get", "head", *(["post"] if "create" in resource.actions else [])]
        item = [
            "get",
            "head",
            *(["patch"] if "update" in resource.actions else []),
            *(["delete"] if "delete" in resource.actions else []),
        ]
        patterns += [
            path(
                type_name,
                CollectionView.as_view(**init, http_method_names=collection),
                name=f"{type_name}-list",
            ),
            path(
                f"{type_name}/<str:pk>",
                ItemView.as_view(**init, http_method_names=item),
                name=f"{type_name}-detail",
            ),
        ]
        for rel in resource.relationships:
            rel_init = {
                **init,
                "relationship": rel.name,
                "serializer_class": serializer_for(rel.target),
                "http_method_names": ["get", "head"],
            }
            patterns += [
                path(
                    f"{type_name}/<str:pk>/relationships/{rel.name}",
                    RelationshipView.as_view(**rel_init),
                    name=f"{type_name}-relationships-{rel.name}",
                ),
                path(
                    f"{type_name}/<str:pk>/{rel.name}",
                    RelatedView.as_view(**rel_init),
                    name=f"{type_name}-{rel.name}",
                ),
            ]
    return patterns


urlpatterns = [
    path("schema/", PublicSchemaView.as_view(), name="schema"),
    path("docs/", PublicSwaggerView.as_view(url_name="wallet-api:schema"), name="docs"),
    *resource_patterns(),
    path("", not_found_view, name="root"),
    re_path(r"^.*$", not_found_view, name="not-found"),
]
