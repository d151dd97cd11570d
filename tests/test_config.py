"""Settings: development defaults work, production refuses them."""

from __future__ import annotations

import pytest
from flask import request

from app.config import DEV_DEFAULTS, ConfigError, load_settings

PRODUCTION = {
    "HERALD_ENV": "production",
    "SECRET_KEY": "a-real-secret",
    "FACEBOOK_APP_ID": "42",
    "FACEBOOK_APP_SECRET": "real-app-secret",
    "FACEBOOK_VERIFY_TOKEN": "real-verify-token",
    "TOKEN_ENCRYPTION_KEYS": "cmVhbC1rZXktb2YtMzItYnl0ZXMtZm9yLWZlcm5ldCE=",
    "DATABASE_URL": "postgresql://herald@db/herald",
    "REDIS_URL": "redis://cache:6379/0",
    "PUBLIC_URL": "https://herald.example.com",
    "MAIL_SERVER": "smtp.example.com",
}


def test_development_runs_on_embedded_defaults(tmp_path):
    settings = load_settings({"HERALD_INSTANCE_PATH": str(tmp_path)})
    assert settings["HERALD_ENV"] == "development"
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'herald.db'}"
    assert settings["SECRET_KEY"] == DEV_DEFAULTS["SECRET_KEY"]
    assert settings["FACEBOOK_APP_ID"] == DEV_DEFAULTS["FACEBOOK_APP_ID"]
    assert settings["GRAPH_API_URL"] == "https://graph.facebook.com"
    assert settings["SESSION_COOKIE_SECURE"] is False


def test_production_with_real_settings_is_accepted():
    settings = load_settings(PRODUCTION)
    assert settings["SECRET_KEY"] == "a-real-secret"
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://herald@db/herald"
    assert settings["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FACEBOOK_APP_SECRET", "DATABASE_URL"])
def test_production_refuses_missing_settings(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(ConfigError, match=missing):
        load_settings(env)


def test_production_refuses_a_development_default_even_when_set_explicitly():
    env = {**PRODUCTION, "TOKEN_ENCRYPTION_KEYS": DEV_DEFAULTS["TOKEN_ENCRYPTION_KEYS"]}
    with pytest.raises(ConfigError, match="TOKEN_ENCRYPTION_KEYS"):
        load_settings(env)


def test_unknown_environment_name_is_an_error():
    with pytest.raises(ConfigError, match="HERALD_ENV"):
        load_settings({"HERALD_ENV": "staging"})


def test_numbers_are_validated():
    with pytest.raises(ConfigError, match="SEND_RATE_LIMIT"):
        load_settings({"SEND_RATE_LIMIT": "fast"})
    assert load_settings({"SEND_RATE_LIMIT": "120"})["SEND_RATE_LIMIT"] == 120


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:////data/h.db", "sqlite:////data/h.db"),
    ],
)
def test_database_urls_use_the_shipped_driver(given, expected):
    assert load_settings({"DATABASE_URL": given})["SQLALCHEMY_DATABASE_URI"] == expected


@pytest.mark.parametrize(("hops", "seen"), [(0, "10.0.0.9"), (1, "203.0.113.7")])
def test_the_client_address_comes_from_trusted_proxies_only(make_app, hops, seen):
    herald = make_app(TRUSTED_PROXIES=hops)
    herald.add_url_rule("/_address", "address", lambda: request.remote_addr or "")
    response = herald.test_client().get(
        "/_address",
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert response.get_data(as_text=True) == seen
