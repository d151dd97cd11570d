"""The permission registry: every Facebook permission Herald may ask for, and why.

Each permission carries the plain explanation users (and Meta's reviewers) read: what Herald does
with it and what stops working without it. Features declare the permissions they need with
`declare_feature`, in their `init_app`, and nowhere else; the Login dialog then asks for exactly the
permissions of the features this Herald has. App Review *features* (Human Agent, Business Asset
User Profile Access) are approved per app by Meta and cannot be asked for in the dialog.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """A Login permission (asked for in the dialog) or an App Review feature (approved by Meta)."""

    PERMISSION = "permission"
    FEATURE = "feature"


class Status(StrEnum):
    """Where one permission stands for a Facebook account."""

    GRANTED = "granted"
    DECLINED = "declined"
    EXPIRED = "expired"
    NOT_ASKED = "not_asked"


@dataclass(frozen=True)
class Permission:
    """One Facebook permission or App Review feature, explained."""

    name: str
    title: str
    uses: str  # what Herald does with it
    without: str  # what stops working without it
    kind: Kind = Kind.PERMISSION
    base: bool = False  # asked for by every Herald, whatever features it has


@dataclass(frozen=True)
class FeatureNeeds:
    """A Herald feature and the permissions it cannot work without."""

    key: str
    title: str
    permissions: tuple[str, ...]
    endpoint: str | None = None  # the feature's main page, for links
    review_steps: tuple[str, ...] = ()  # how a Meta reviewer sees these permissions at work


P = Permission
PERMISSIONS: dict[str, Permission] = {
    p.name: p
    for p in (
        P(
            "public_profile",
            "Public profile",
            "Shows your name on your Herald account and links it to your Facebook login.",
            "You cannot log in to Herald with Facebook.",
            base=True,
        ),
        P(
            "email",
            "Email address",
            "Identifies the Facebook account you connect and checks it against your Herald "
            "account. "
            "Herald never emails this address.",
            "Logging in with Facebook only works for accounts created with an email and password.",
            base=True,
        ),
        P(
            "pages_show_list",
            "List your Pages",
            "Lists the Pages you manage so you can choose which ones to connect to Herald.",
            "Herald cannot see your Pages, so none can be connected.",
            base=True,
        ),
        P(
            "pages_manage_metadata",
            "Page webhooks and settings",
            "Subscribes Herald to your Pages' events (new messages, comments) and sets the Get "
            "Started button.",
            "Herald receives nothing from your Pages: no new subscribers, no live chat, no comment "
            "replies.",
            base=True,
        ),
        P(
            "pages_messaging",
            "Messenger conversations",
            "Receives the messages people send your Pages and sends your replies, broadcasts and "
            "autoposts to them, always within Meta's messaging windows.",
            "No subscribers are collected and nothing can be sent: live chat, broadcasts, "
            "autoposting to Messenger and private replies to comments stop.",
        ),
        P(
            "pages_messaging_phone_number",
            "Message by phone number",
            "Sends an invitation to chat on Messenger to customers you list by US phone number "
            "(customer matching). Meta offers this permission to few apps today.",
            "Phone invites are unavailable.",
        ),
        P(
            "pages_manage_posts",
            "Publish Page posts",
            "Publishes posts on your Pages' feeds: autoposts from your feeds and posts whose "
            "comments Herald answers.",
            "Autoposting to the Page feed and publishing posts from comment capture stop.",
        ),
        P(
            "pages_read_engagement",
            "Read Page content",
            "Reads your Pages' posts and their comments so Herald can match comments to your "
            "rules.",
            "Comment capture cannot read the posts it watches.",
        ),
        P(
            "pages_manage_engagement",
            "Reply to comments",
            "Replies publicly to comments on your Pages' posts, as the Page.",
            "Comment capture can no longer reply publicly.",
        ),
        P(
            "ads_management",
            "Manage ads",
            "Creates, schedules and pauses the click-to-Messenger ads you build in Herald, in the "
            "ad accounts you choose.",
            "Sponsored broadcasts are unavailable.",
        ),
        P(
            "pages_manage_ads",
            "Page ads",
            "Runs ads in the name of your Pages, as click-to-Messenger ads require.",
            "Sponsored broadcasts are unavailable.",
        ),
        P(
            "human_agent",
            "Human Agent",
            "Lets your operators answer a person up to 7 days after their last message, once, with "
            "the HUMAN_AGENT tag. Herald never uses it for automated messages.",
            "Operators can only reply within 24 hours of a person's last message.",
            kind=Kind.FEATURE,
        ),
        P(
            "business_asset_user_profile_access",
            "Business Asset User Profile Access",
            "Reads the name and profile picture of people who message your Pages, so conversations "
            "and broadcasts can greet them by name.",
            "Subscribers appear without names or pictures; personalised broadcasts use fallbacks.",
            kind=Kind.FEATURE,
        ),
    )
}
del P

FEATURES: dict[str, FeatureNeeds] = {}


def declare_feature(
    key: str,
    title: str,
    permissions: Iterable[str],
    endpoint: str | None = None,
    review_steps: Iterable[str] = (),
) -> FeatureNeeds:
    """Record what a Herald feature needs and how a reviewer can see it work.

    Unknown permission names are a programming error.
    """
    names = tuple(permissions)
    unknown = [name for name in names if name not in PERMISSIONS]
    if unknown:
        raise ValueError(f"feature {key!r} needs unknown permission(s): {', '.join(unknown)}")
    needs = FeatureNeeds(
        key=key,
        title=title,
        permissions=names,
        endpoint=endpoint,
        review_steps=tuple(review_steps),
    )
    FEATURES[key] = needs
    return needs


def features_using(permission: str) -> list[FeatureNeeds]:
    """The declared features that need `permission`."""
    return [f for f in FEATURES.values() if permission in f.permissions]


def requested_permissions() -> list[str]:
    """The Login permissions this Herald asks for: the base ones and its features' needs."""
    needed = {name for f in FEATURES.values() for name in f.permissions}
    return [
        p.name
        for p in PERMISSIONS.values()
        if p.kind == Kind.PERMISSION and (p.base or p.name in needed)
    ]


def status_of(name: str, statuses: Mapping[str, str]) -> Status:
    """The status of `name` in a `/me/permissions` snapshot ({permission: status})."""
    raw = statuses.get(name)
    return Status(raw) if raw in {s.value for s in Status} else Status.NOT_ASKED


def missing_requested(statuses: Mapping[str, str]) -> list[str]:
    """Requested permissions not granted: what a re-request should ask for."""
    return [name for name in requested_permissions() if status_of(name, statuses) != Status.GRANTED]


def missing_for_workspace(
    feature_key: str, user_statuses: Mapping[str, str], page_missing: Iterable[str]
) -> list[Permission]:
    """What a feature lacks in a workspace: from the user's grants and the Pages' recorded gaps.

    A Page's gap (Facebook refused a call for lack of a permission) counts even when the user's
    own statuses look fine, because the Page's token is what features use.
    """
    feature = FEATURES.get(feature_key)
    if feature is None:
        return []
    gaps = set(page_missing)
    missing = []
    for name in feature.permissions:
        permission = PERMISSIONS[name]
        if permission.kind != Kind.PERMISSION:
            continue
        known = name in user_statuses
        if name in gaps or (known and status_of(name, user_statuses) != Status.GRANTED):
            missing.append(permission)
    return missing
