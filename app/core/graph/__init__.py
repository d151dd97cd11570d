"""Graph API client for Herald: built from a token and GraphSettings, no Flask involved.

Failures raise GraphError subclasses classified by Graph's code and subcode, so callers act on
types (RateLimited, TokenInvalid, RecipientUnavailable, ...) and never on message text.
"""

from app.core.graph.batch import MAX_BATCH_OPERATIONS, BatchOperation, BatchResult
from app.core.graph.client import GraphClient
from app.core.graph.encoding import appsecret_proof
from app.core.graph.errors import (
    GraphError,
    InvalidParameter,
    OutsideWindow,
    PermissionDenied,
    PrivateReplyNotAllowed,
    RateLimited,
    RecipientUnavailable,
    TokenInvalid,
    TransientError,
    classify,
)
from app.core.graph.messenger import send_message_operation, send_result_from_batch
from app.core.graph.settings import GraphSettings, app_access_token
from app.core.graph.transport import GraphResponse
from app.core.graph.types import (
    AccessToken,
    AppSubscription,
    GranularScope,
    PageAccount,
    Permission,
    Recipient,
    SendResult,
    SubscribedApp,
    TokenInfo,
    UserIdentity,
    UserProfile,
)
from app.core.graph.usage import Usage, parse_usage

__all__ = [
    "MAX_BATCH_OPERATIONS",
    "AccessToken",
    "AppSubscription",
    "BatchOperation",
    "BatchResult",
    "GranularScope",
    "GraphClient",
    "GraphError",
    "GraphResponse",
    "GraphSettings",
    "InvalidParameter",
    "OutsideWindow",
    "PageAccount",
    "Permission",
    "PermissionDenied",
    "PrivateReplyNotAllowed",
    "RateLimited",
    "Recipient",
    "RecipientUnavailable",
    "SendResult",
    "SubscribedApp",
    "TokenInfo",
    "TokenInvalid",
    "TransientError",
    "Usage",
    "UserIdentity",
    "UserProfile",
    "app_access_token",
    "appsecret_proof",
    "classify",
    "parse_usage",
    "send_message_operation",
    "send_result_from_batch",
]
