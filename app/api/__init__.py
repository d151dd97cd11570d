"""The REST API (`/api/v1`), authenticated with workspace API keys, and the page to manage them.

`bp` is the dashboard's API keys page; the API's resources are flask-smorest blueprints
registered on a per-app `Api`, which also serves the OpenAPI document at /api/v1/openapi.json.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask
from flask_login import current_user
from flask_smorest import Api
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from app.core.api import API_BLUEPRINTS, register_api
from app.core.api.auth import ApiBlueprint
from app.core.api.errors import ErrorSchema, handle_http_exception, install_fallback
from app.core.models import Role
from app.core.navigation import NavItem, register_nav

bp = Blueprint("api", __name__, template_folder="templates")

DESCRIPTION = """\
Herald's REST API. Every request carries a workspace API key (Administration → API keys):
`Authorization: Bearer hk_...`. A key acts for its whole workspace; ids of other workspaces answer
404, exactly like ids that do not exist.

**Lists** are paginated by cursor: pass `limit` (1-100, default 50) and, for the next page, the
`next_cursor` of the previous one as `cursor`; `next_cursor` is null on the last page. Items come
in id order, so rows created meanwhile never shift a page.

**Errors** always have the shape `{"error": {"status": 404, "code": "not_found", "message": "...",
"details": {...}}}`; `details` (field -> messages) comes with validation errors (422).

**Rate limit**: per key (600 requests a minute by default); over it the API answers 429 with
`Retry-After`.
"""
BEARER = {"bearerAuth": []}


class HeraldApi(Api):
    """flask-smorest's Api with Herald's error shape, only for the API's own paths."""

    ERROR_SCHEMA = ErrorSchema  # documents every error response

    def _register_error_handlers(self) -> None:
        # flask-smorest would replace the app-wide HTTPException handler (the dashboard's HTML
        # error pages); route only /api/v1 paths to the API's shape instead.
        install_fallback(self._app)

    def register_blueprint(
        self, blp: ApiBlueprint, *, parameters: Any = None, **options: Any
    ) -> None:
        """Register a resource; its OpenAPI tag is the blueprint's readable `tag`, not its name.

        (flask-smorest's own version tags by blueprint name, which must be unique app-wide.)
        """
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        blp.register_views_in_doc(self, self._app, self.spec, name=name, parameters=parameters)
        self.spec.tag({"name": blp.tag, "description": blp.description})

    def handle_http_exception(self, error: HTTPException) -> Response:
        """The API's error shape (see app.core.api.errors)."""
        return handle_http_exception(error)


def _admin() -> bool:
    return current_user.is_authenticated and current_user.can(Role.ADMIN)


def init_app(app: Flask) -> None:
    """Serve the API and its OpenAPI document on `app`; add the API keys page to the sidebar."""
    from app.api import routes_growth, routes_pages, routes_segments, routes_subscribers

    for name, value in (
        ("API_TITLE", "Herald API"),
        ("API_VERSION", "v1"),
        ("OPENAPI_VERSION", "3.0.3"),
        ("OPENAPI_URL_PREFIX", "/api/v1"),
        ("OPENAPI_JSON_PATH", "openapi.json"),
        ("API_SPEC_OPTIONS", {"info": {"description": DESCRIPTION}, "security": [BEARER]}),
    ):
        app.config.setdefault(name, value)
    api = HeraldApi(app)  # one per app: its spec and error handlers belong to that app
    api.spec.components.security_scheme(
        "bearerAuth",
        {"type": "http", "scheme": "bearer", "description": "A workspace API key: hk_..."},
    )
    for module in (routes_pages, routes_subscribers, routes_segments, routes_growth):
        register_api(module.blp)
    # Features listed before the API in FEATURES have published their resources by now.
    for blueprint in API_BLUEPRINTS.values():
        api.register_blueprint(blueprint)
    app.extensions["herald-api"] = api
    register_nav(NavItem("api_keys", "API keys", "api.keys_page", "key", 940, "admin", _admin))


from app.api import routes_keys  # noqa: E402,F401  (routes attach to bp)
