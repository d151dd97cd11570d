"""Facebook Login and identity calls: token exchange, /me, permissions, Pages, debug_token."""

from __future__ import annotations

from collections.abc import Sequence

from app.core.graph.transport import GraphTransport, require_success
from app.core.graph.types import AccessToken, PageAccount, Permission, TokenInfo, UserIdentity

DEFAULT_ME_FIELDS = ("id", "name", "email")
PAGE_ACCOUNT_FIELDS = ("id", "name", "access_token", "tasks", "category", "username")


class AccountsApi(GraphTransport):
    """Calls behind Facebook Login and the health checks of user and Page tokens."""

    def exchange_code(self, code: str, redirect_uri: str) -> AccessToken:
        """Exchange a Login dialog `code` for a user token.

        `redirect_uri` must be identical to the one the dialog was opened with.
        """
        client_id, client_secret = self.settings.require_app_credentials()
        params = {
            "client_id": client_id,
            "client_secret": client_secret,
            "redirect_uri": redirect_uri,
            "code": code,
        }
        return AccessToken.from_data(self.get("oauth/access_token", params).data)

    def exchange_for_long_lived(self, short_token: str) -> AccessToken:
        """Exchange a short-lived user token for a long-lived one (about 60 days)."""
        client_id, client_secret = self.settings.require_app_credentials()
        params = {
            "grant_type": "fb_exchange_token",
            "client_id": client_id,
            "client_secret": client_secret,
            "fb_exchange_token": short_token,
        }
        return AccessToken.from_data(self.get("oauth/access_token", params).data)

    def me(self, fields: Sequence[str] = DEFAULT_ME_FIELDS) -> UserIdentity:
        """Return the person the token belongs to."""
        return UserIdentity.from_data(self.get("me", {"fields": ",".join(fields)}).data)

    def permissions(self) -> list[Permission]:
        """Return every permission the person was asked for, with its status."""
        items = self.get("me/permissions").data.get("data", [])
        return [Permission(str(item["permission"]), str(item["status"])) for item in items]

    def revoke_permission(self, name: str) -> None:
        """Revoke one permission the person granted."""
        require_success(self.delete(f"me/permissions/{name}"))

    def accounts(self) -> list[PageAccount]:
        """Return every Page the person manages, across all pages of /me/accounts."""
        params = {"fields": ",".join(PAGE_ACCOUNT_FIELDS)}
        return [PageAccount.from_data(item) for item in self.paginate("me/accounts", params)]

    def debug_token(self, input_token: str) -> TokenInfo:
        """Inspect `input_token` (call with the app access token)."""
        response = self.get("debug_token", {"input_token": input_token})
        return TokenInfo.from_data(response.data.get("data", {}))
