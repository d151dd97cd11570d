"""Shared core of Herald: knows no feature package."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the core registries and commands into `app`."""
    # Imported for what they register: tables, sweeps and webhook handlers.
    from app.core import (  # noqa: F401
        auth,
        cli,
        display,
        mail,
        messaging,
        models,
        navigation,
        page_health,
    )
    from app.core.api import models as api_models  # noqa: F401
    from app.core.messages import models as message_models  # noqa: F401
    from app.core.subscribers import growth, ingest, profiles, segments  # noqa: F401

    _trust_proxies(app)
    from app.core.urls import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any feature adds its routes
    auth.init_app(app)
    navigation.init_app(app)
    app.context_processor(display.template_helpers)
    cli.init_app(app)


def _trust_proxies(app: Flask) -> None:
    """Behind a reverse proxy, take the client address, scheme and host from its headers.

    Only as many hops as TRUSTED_PROXIES says are believed: a client cannot forge its address
    (which login rate limits count) by sending X-Forwarded-For itself.
    """
    hops = int(app.config.get("TRUSTED_PROXIES", 0))
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
