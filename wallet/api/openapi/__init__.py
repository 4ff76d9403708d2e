"""The OpenAPI 3.1 document of the JSON:API, generated from the resource registry.

One source of truth: every path, parameter, body and response below is derived from
:data:`wallet.api.resources.RESOURCES` (attributes with their create/update flags, relationships,
filters, sort keys, actions), the model fields behind the attributes (types, nullability,
choices), the ``WALLET`` page sizes and the URL configuration (mount points). Nothing is written
per resource by hand, so adding an attribute or a resource type documents itself.

``objects`` builds the JSON:API schemas (resource objects, documents, errors), ``parameters``
the query parameters, ``paths`` the operations, ``oauth`` the token endpoints and security
schemes, ``examples`` the example documents (values from Commerce Layer's example objects).
"""

from typing import Any

from wallet.api.openapi.examples import resource_examples
from wallet.api.openapi.oauth import oauth_paths, security_schemes
from wallet.api.openapi.objects import common_components, resource_components
from wallet.api.openapi.parameters import all_parameters
from wallet.api.openapi.paths import api_paths
from wallet.api.openapi.responses import error_responses
from wallet.api.pagination import COUNT_CAP
from wallet.api.resources import RESOURCES

OPENAPI_VERSION = "3.1.0"

DESCRIPTION = f"""\
Commerce Layer compatible JSON:API for saved payment sources, external payments, customers,
orders and payment methods.

* Requests and answers are `application/vnd.api+json` (`application/json` is accepted too);
  any other `Accept` answers 406, any other body type 415.
* Authenticate with a bearer token from `POST /oauth/token` (client credentials for
  integrations and sales channels, password grant for a sales channel's customer), or with
  the storefront's session cookie (writes then need the CSRF token).
* Lists are paginated with `page[number]`/`page[size]` and carry `meta.record_count` and
  `meta.page_count` (a filtered count stops at {COUNT_CAP:,} with `meta.record_count_is_estimate`);
  every list also pages with the `page[after]` cursor of `links.next`, and event stores only so.
* Relationships carry `links` only; `data` appears when the relationship is included.
* A method a route does not list answers 405; an unknown URL under the API answers 404.
"""


def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI document, as the server behaves with the current settings."""
    schemas = common_components()
    examples: dict[str, Any] = {}
    for resource in RESOURCES.values():
        schemas.update(resource_components(resource))
        examples.update(resource_examples(resource))
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Checkout wallet API",
            "version": "1.0.0",
            "description": DESCRIPTION,
        },
        "tags": [{"name": name} for name in RESOURCES]
        + [{"name": "oauth", "description": "Access tokens and the keys that sign them."}],
        "paths": {**api_paths(), **oauth_paths()},
        "components": {
            "schemas": schemas,
            "parameters": all_parameters(),
            "responses": error_responses(),
            "examples": examples,
            "securitySchemes": security_schemes(),
        },
        # Any one of them; the token endpoints and the JWKS say ``security: []``.
        "security": [{name: []} for name in security_schemes()],
    }


__all__ = ["OPENAPI_VERSION", "openapi_document"]
