"""Login and identity calls: token exchange, /me, permissions, Pages, debug_token."""

from __future__ import annotations

import pytest
import requests
from responses import matchers

from app.core.graph import (
    AccessToken,
    GranularScope,
    GraphClient,
    GraphSettings,
    InvalidParameter,
    PageAccount,
    Permission,
    TokenInfo,
    TransientError,
    UserIdentity,
)
from tests.core.graph.helpers import (
    APP_ID,
    APP_SECRET,
    APP_TOKEN,
    BASE,
    USER_TOKEN,
    load_payload,
    signed,
)

REDIRECT_URI = "https://herald.example.com/accounts/facebook/callback"
CODE = "AQDx3u9lRr4c0de"
LONG_LIVED = "EAAGlongLivedUserToken"


@pytest.fixture
def login_client(settings, sleeps) -> GraphClient:
    """A client without a token, as used before the person has one."""
    return GraphClient(None, settings, sleep=sleeps.append)


@pytest.fixture
def user_client(settings, sleeps) -> GraphClient:
    """A client with the person's user token."""
    return GraphClient(USER_TOKEN, settings, sleep=sleeps.append)


def query(params: dict[str, str]) -> list:
    """Match a request whose query string is exactly `params`."""
    return [matchers.query_param_matcher(params)]


def test_exchange_code(mocked, login_client):
    mocked.get(
        f"{BASE}/oauth/access_token",
        json={"access_token": USER_TOKEN, "token_type": "bearer", "expires_in": 5183944},
        match=query(
            {
                "client_id": APP_ID,
                "client_secret": APP_SECRET,
                "redirect_uri": REDIRECT_URI,
                "code": CODE,
            }
        ),
    )

    token = login_client.exchange_code(CODE, REDIRECT_URI)

    assert token == AccessToken(access_token=USER_TOKEN, token_type="bearer", expires_in=5183944)
    assert USER_TOKEN not in repr(token)


def test_exchange_for_long_lived(mocked, login_client):
    mocked.get(
        f"{BASE}/oauth/access_token",
        json={"access_token": LONG_LIVED, "token_type": "bearer"},
        match=query(
            {
                "grant_type": "fb_exchange_token",
                "client_id": APP_ID,
                "client_secret": APP_SECRET,
                "fb_exchange_token": USER_TOKEN,
            }
        ),
    )

    token = login_client.exchange_for_long_lived(USER_TOKEN)

    assert token == AccessToken(access_token=LONG_LIVED, token_type="bearer", expires_in=None)


def test_token_exchange_needs_app_credentials(mocked):
    client = GraphClient(None, GraphSettings(app_id=APP_ID))

    with pytest.raises(ValueError, match="FACEBOOK_APP_SECRET"):
        client.exchange_code(CODE, REDIRECT_URI)


def test_a_used_code_is_an_invalid_parameter(mocked, login_client):
    mocked.get(
        f"{BASE}/oauth/access_token",
        status=400,
        json={
            "error": {
                "message": "This authorization code has been used.",
                "type": "OAuthException",
                "code": 100,
                "error_subcode": 36009,
                "fbtrace_id": "AaBbCc",
            }
        },
    )

    with pytest.raises(InvalidParameter) as raised:
        login_client.exchange_code(CODE, REDIRECT_URI)

    assert raised.value.subcode == 36009


def test_exchange_failures_leak_neither_secret_nor_code(mocked, login_client, sleeps):
    url = (
        f"{BASE}/oauth/access_token?client_id={APP_ID}&client_secret={APP_SECRET}"
        f"&redirect_uri=x&code={CODE}"
    )
    mocked.get(
        f"{BASE}/oauth/access_token",
        body=requests.exceptions.ConnectionError(f"Max retries exceeded with url: {url}"),
    )

    with pytest.raises(TransientError) as raised:
        login_client.exchange_code(CODE, REDIRECT_URI)

    assert APP_SECRET not in str(raised.value)
    assert CODE not in str(raised.value)
    assert len(sleeps) == 3


def test_me(mocked, user_client):
    mocked.get(
        f"{BASE}/me",
        json={"id": "10158312345678901", "name": "Jane Doe", "email": "jane@example.com"},
        match=query(signed({"fields": "id,name,email"}, USER_TOKEN)),
    )

    assert user_client.me() == UserIdentity("10158312345678901", "Jane Doe", "jane@example.com")


def test_me_without_email(mocked, user_client):
    mocked.get(
        f"{BASE}/me",
        json={"id": "10158312345678901", "name": "Jane Doe"},
        match=query(signed({"fields": "id,name"}, USER_TOKEN)),
    )

    assert user_client.me(fields=("id", "name")).email is None


def test_permissions(mocked, user_client):
    mocked.get(
        f"{BASE}/me/permissions",
        json={
            "data": [
                {"permission": "public_profile", "status": "granted"},
                {"permission": "email", "status": "declined"},
                {"permission": "pages_messaging", "status": "granted"},
            ]
        },
        match=query(signed({}, USER_TOKEN)),
    )

    permissions = user_client.permissions()

    assert permissions == [
        Permission("public_profile", "granted"),
        Permission("email", "declined"),
        Permission("pages_messaging", "granted"),
    ]
    assert [permission.granted for permission in permissions] == [True, False, True]


@pytest.mark.parametrize("reply", [True, {"success": True}])
def test_revoke_permission(mocked, user_client, reply):
    mocked.delete(
        f"{BASE}/me/permissions/pages_messaging",
        json=reply,
        match=query(signed({}, USER_TOKEN)),
    )

    user_client.revoke_permission("pages_messaging")


def test_accounts_walks_every_page(mocked, user_client):
    fields = "id,name,access_token,tasks,category,username"
    next_base = "https://graph.facebook.com/v25.0/10158312345678901/accounts"
    mocked.get(
        f"{BASE}/me/accounts",
        json=load_payload("accounts_page1.json"),
        match=query(signed({"fields": fields}, USER_TOKEN)),
    )
    for after, name in (
        ("QVFIUafter1", "accounts_page2.json"),
        ("QVFIUafter2", "accounts_page3.json"),
    ):
        mocked.get(
            next_base,
            json=load_payload(name),
            match=query(signed({"fields": fields, "limit": "2", "after": after}, USER_TOKEN)),
        )

    pages = user_client.accounts()

    assert pages == [
        PageAccount(
            id="1010000000000000",
            name="Acme Shop",
            access_token="EAAGpageToken1",
            tasks=("ANALYZE", "ADVERTISE", "MESSAGING", "MODERATE", "CREATE_CONTENT", "MANAGE"),
            category="Internet Company",
            username="acmeshop",
        ),
        PageAccount(
            id="1020000000000000",
            name="Acme Support",
            access_token="EAAGpageToken2",
            tasks=("MESSAGING", "MODERATE"),
            category="Internet Company",
            username=None,
        ),
        PageAccount(
            id="1030000000000000",
            name="Acme Café",
            access_token="EAAGpageToken3",
            tasks=("CREATE_CONTENT",),
            category="Internet Company",
            username="acmecafe",
        ),
    ]
    assert all(page.access_token not in repr(page) for page in pages)


def test_debug_token_with_the_app_token(mocked, settings, sleeps):
    app_client = GraphClient.for_app(settings, sleep=sleeps.append)
    mocked.get(
        f"{BASE}/debug_token",
        json={
            "data": {
                "app_id": APP_ID,
                "type": "USER",
                "application": "Herald",
                "data_access_expires_at": 1754846089,
                "expires_at": 1752254132,
                "is_valid": True,
                "issued_at": 1747070132,
                "scopes": ["email", "public_profile", "pages_show_list", "pages_messaging"],
                "granular_scopes": [
                    {"scope": "pages_show_list", "target_ids": ["104857600123456"]},
                    {"scope": "pages_messaging", "target_ids": ["104857600123456"]},
                    {"scope": "email"},
                ],
                "user_id": "10158312345678901",
            }
        },
        match=query(signed({"input_token": USER_TOKEN}, APP_TOKEN)),
    )

    info = app_client.debug_token(USER_TOKEN)

    assert info == TokenInfo(
        app_id=APP_ID,
        type="USER",
        is_valid=True,
        expires_at=1752254132,
        data_access_expires_at=1754846089,
        scopes=("email", "public_profile", "pages_show_list", "pages_messaging"),
        granular_scopes=(
            GranularScope("pages_show_list", ("104857600123456",)),
            GranularScope("pages_messaging", ("104857600123456",)),
            GranularScope("email", ()),
        ),
        user_id="10158312345678901",
        profile_id=None,
        error_code=None,
        error_subcode=None,
    )


def test_debug_token_of_an_invalid_page_token(mocked, settings, sleeps):
    app_client = GraphClient.for_app(settings, sleep=sleeps.append)
    mocked.get(
        f"{BASE}/debug_token",
        json={
            "data": {
                "app_id": APP_ID,
                "type": "PAGE",
                "is_valid": False,
                "expires_at": 0,
                "profile_id": "104857600123456",
                "scopes": [],
                "error": {"code": 190, "message": "Session has expired", "subcode": 463},
            }
        },
        match=query(signed({"input_token": "EAAGpage"}, APP_TOKEN)),
    )

    info = app_client.debug_token("EAAGpage")

    assert info.is_valid is False
    assert (info.type, info.profile_id, info.expires_at) == ("PAGE", "104857600123456", 0)
    assert (info.error_code, info.error_subcode) == (190, 463)
    assert info.granular_scopes == ()
