"""Settings from the environment (and `.env` in development).

Every setting has one source: an environment variable of the same name. Development defaults exist
so a fresh clone runs with no configuration; they are marked here and refused when
`HERALD_ENV=production`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"

# Development-only defaults. The Meta sandbox uses the same app id and secret, so a fresh
# clone talks to it with no configuration. Production refuses every one of these.
DEV_DEFAULTS: dict[str, str] = {
    "SECRET_KEY": "dev-insecure-secret-key",
    "FACEBOOK_APP_ID": "100000000000001",
    "FACEBOOK_APP_SECRET": "dev-sandbox-app-secret",
    "FACEBOOK_VERIFY_TOKEN": "dev-verify-token",
    # A Fernet key (32 url-safe base64 bytes) known to everyone: fine for a laptop, never for data.
    "TOKEN_ENCRYPTION_KEYS": "ZGV2LW9ubHktdG9rZW4ta2V5LWRvLW5vdC11c2UtISE=",
}

REQUIRED_IN_PRODUCTION = (*DEV_DEFAULTS, "DATABASE_URL", "REDIS_URL", "PUBLIC_URL", "MAIL_SERVER")

# App Review features are approved per app by Meta; the sandbox's development app has both.
DEV_APP_FEATURES = "human_agent,business_asset_user_profile_access"


class ConfigError(RuntimeError):
    """The settings cannot run Herald as asked (e.g. development defaults in production)."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _list(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def database_url(env: Mapping[str, str], instance: Path) -> str:
    """`DATABASE_URL`, with plain PostgreSQL URLs pointed at the psycopg 3 driver Herald ships."""
    url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'herald.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def load_settings(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build Flask config from `env` (default: the process environment).

    Raises `ConfigError` when `HERALD_ENV=production` and a development default would be used.
    """
    env = os.environ if env is None else env
    herald_env = env.get("HERALD_ENV", "development").strip().lower()
    if herald_env not in {"development", "production", "testing"}:
        raise ConfigError(
            f"HERALD_ENV must be development, production or testing, not {herald_env!r}"
        )
    if herald_env == "production":
        missing = [name for name in REQUIRED_IN_PRODUCTION if not env.get(name)]
        reused = [name for name, value in DEV_DEFAULTS.items() if env.get(name) == value]
        if missing or reused:
            raise ConfigError(
                "Refusing to start in production with development defaults. "
                f"Set: {', '.join(missing + reused)}"
            )

    def setting(name: str, default: str = "") -> str:
        return env.get(name) or DEV_DEFAULTS.get(name, default)

    instance = Path(env.get("HERALD_INSTANCE_PATH") or INSTANCE)
    public_url = setting("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
    return {
        "HERALD_ENV": herald_env,
        "DEBUG": herald_env == "development" and _bool(env, "FLASK_DEBUG", False),
        "TESTING": herald_env == "testing",
        "SECRET_KEY": setting("SECRET_KEY"),
        "INSTANCE_PATH": str(instance),
        "PUBLIC_URL": public_url,
        "SQLALCHEMY_DATABASE_URI": database_url(env, instance),
        # A server database may drop idle connections; a SQLite file cannot, so only servers
        # pay for the ping on every checkout.
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": not database_url(env, instance).startswith("sqlite")
        },
        "REDIS_URL": env.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        "GRAPH_API_URL": setting("GRAPH_API_URL", "https://graph.facebook.com").rstrip("/"),
        "GRAPH_API_VERSION": setting("GRAPH_API_VERSION", "v25.0"),
        "FACEBOOK_WWW_URL": setting("FACEBOOK_WWW_URL", "https://www.facebook.com").rstrip("/"),
        "FACEBOOK_APP_ID": setting("FACEBOOK_APP_ID"),
        "FACEBOOK_APP_SECRET": setting("FACEBOOK_APP_SECRET"),
        "FACEBOOK_VERIFY_TOKEN": setting("FACEBOOK_VERIFY_TOKEN"),
        "TOKEN_ENCRYPTION_KEYS": setting("TOKEN_ENCRYPTION_KEYS"),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 5 * 1024 * 1024),
        "FACEBOOK_APP_FEATURES": _list(
            env.get("FACEBOOK_APP_FEATURES", "" if herald_env == "production" else DEV_APP_FEATURES)
        ),
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int(env, "MAIL_PORT", 587),
        "MAIL_USE_TLS": _bool(env, "MAIL_USE_TLS", True),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": env.get("MAIL_FROM", "Herald <no-reply@localhost>"),
        "PAGE_HEALTH_CHECK_HOURS": _int(env, "PAGE_HEALTH_CHECK_HOURS", 6),
        "SEND_RATE_LIMIT": _int(env, "SEND_RATE_LIMIT", 300),
        "WEBHOOK_DRAINERS": _int(env, "WEBHOOK_DRAINERS", 4),
        "RQ_JOB_TIMEOUT": _int(env, "RQ_JOB_TIMEOUT", 600),
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0),
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT") or "600/minute",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": public_url.startswith("https://"),
        "REMEMBER_COOKIE_SECURE": public_url.startswith("https://"),
        "WTF_CSRF_TIME_LIMIT": None,
    }


def load_dotenv_file(path: Path | None = None) -> None:
    """Load `.env` into the process environment in development; real variables always win."""
    from dotenv import load_dotenv

    load_dotenv(path or ROOT / ".env", override=False)
