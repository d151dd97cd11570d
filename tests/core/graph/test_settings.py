"""GraphSettings and the app access token."""

from __future__ import annotations

import pytest

from app.core.graph import GraphSettings, app_access_token
from tests.core.graph.helpers import APP_ID, APP_SECRET


def test_defaults_match_the_documented_figures():
    settings = GraphSettings()

    assert settings.base_url == "https://graph.facebook.com"
    assert settings.version == "v25.0"
    assert (settings.app_id, settings.app_secret) == (None, None)
    assert settings.timeout == (3.05, 20.0)
    assert (settings.max_retries, settings.backoff_base, settings.backoff_cap) == (3, 0.5, 8.0)


def test_from_config_reads_herald_setting_names():
    config = {
        "GRAPH_API_URL": "http://127.0.0.1:5601",
        "GRAPH_API_VERSION": "v26.0",
        "FACEBOOK_APP_ID": APP_ID,
        "FACEBOOK_APP_SECRET": APP_SECRET,
    }

    settings = GraphSettings.from_config(config)

    assert settings == GraphSettings(
        base_url="http://127.0.0.1:5601", version="v26.0", app_id=APP_ID, app_secret=APP_SECRET
    )


def test_from_config_falls_back_to_defaults_for_missing_or_empty_values():
    settings = GraphSettings.from_config({"GRAPH_API_URL": "", "FACEBOOK_APP_SECRET": ""})

    assert settings == GraphSettings()


@pytest.mark.parametrize("version", ["25.0", "v25", "latest", ""])
def test_a_malformed_version_is_refused(version):
    with pytest.raises(ValueError, match="version"):
        GraphSettings(version=version)


def test_negative_retry_figures_are_refused():
    with pytest.raises(ValueError, match="max_retries"):
        GraphSettings(max_retries=-1)
    with pytest.raises(ValueError, match="backoff"):
        GraphSettings(backoff_cap=-1.0)


def test_repr_never_shows_the_app_secret():
    settings = GraphSettings(app_id=APP_ID, app_secret=APP_SECRET)

    assert APP_SECRET not in repr(settings)
    assert APP_ID in repr(settings)


def test_app_access_token_is_id_pipe_secret():
    settings = GraphSettings(app_id=APP_ID, app_secret=APP_SECRET)

    assert app_access_token(settings) == f"{APP_ID}|{APP_SECRET}"


@pytest.mark.parametrize(
    ("app_id", "app_secret"), [(None, APP_SECRET), (APP_ID, None), (None, None)]
)
def test_app_access_token_needs_both_credentials(app_id, app_secret):
    with pytest.raises(ValueError, match="FACEBOOK_APP_ID"):
        app_access_token(GraphSettings(app_id=app_id, app_secret=app_secret))
