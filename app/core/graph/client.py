"""GraphClient: the one object the rest of Herald uses to talk to the Graph API."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import requests

from app.core.graph.accounts import AccountsApi
from app.core.graph.conversations import ConversationsApi
from app.core.graph.messenger import MessengerApi
from app.core.graph.pages import PagesApi
from app.core.graph.settings import GraphSettings, app_access_token


class GraphClient(MessengerApi, PagesApi, AccountsApi, ConversationsApi):
    """A Graph API client bound to one access token (Page, user or app token, or none).

    Generic calls: get, post, delete, paginate, batch. Typed calls: Messenger (send_message,
    sender_action, user_profile, upload_attachment), Pages (publish_post, reply_to_comment,
    set_comment_hidden, delete_object, webhook subscriptions) and Login (exchange_code,
    me, permissions, accounts, debug_token, ...). Every failure raises a GraphError subclass.
    """

    @classmethod
    def for_app(
        cls,
        settings: GraphSettings,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> GraphClient:
        """Build a client that uses the app access token (for debug_token, subscribe_app)."""
        return cls(app_access_token(settings), settings, session=session, sleep=sleep, rng=rng)
