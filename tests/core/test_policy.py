"""The messaging policy: every rule of `decide`, its exact boundaries, windows and settings.

Every call passes an explicit `now`, so nothing here depends on the clock. Subscribers and Pages
are plain (unsaved) model objects: the policy only reads their attributes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.core import policy
from app.core.models import Page, PageStatus
from app.core.policy import (
    EXPLANATIONS,
    HUMAN_AGENT,
    RETIRED_TAGS,
    UPDATE_TAGS,
    Decision,
    PolicySettings,
    Purpose,
    Sender,
    Window,
    WindowState,
    decide,
    settings_for,
    window_state,
)
from app.core.subscribers.models import Subscriber
from tests.factories import WorkspaceFactory

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
PAGE_TOKEN = "EAAG-page-token"
TICK = timedelta(microseconds=1)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def person(
    *,
    ago: timedelta | None = HOUR,
    page_status: PageStatus = PageStatus.CONNECTED,
    token: str | None = PAGE_TOKEN,
    **fields,
) -> Subscriber:
    """A subscriber who last wrote `ago` before NOW (None: never wrote), on a usable Page."""
    values = {
        "psid": "6021857384012345",
        "last_inbound_at": None if ago is None else NOW - ago,
        "subscribed": True,
        "unreachable": False,
        "human_agent_replies": 0,
        "operator_active_at": None,
        **fields,
    }
    page = Page(facebook_page_id="104857600123456", status=page_status, access_token=token)
    return Subscriber(page=page, **values)


def automated(subscriber: Subscriber, **kwargs) -> Decision:
    return decide(subscriber, sender=Sender.AUTOMATION, now=NOW, **kwargs)


def human(subscriber: Subscriber, **kwargs) -> Decision:
    return decide(subscriber, sender=Sender.HUMAN, now=NOW, **kwargs)


def outcome(decision: Decision) -> tuple:
    return (decision.allowed, decision.messaging_type, decision.tag, decision.reason)


ALLOWED_RESPONSE = (True, "RESPONSE", None, None)
ALLOWED_UPDATE = (True, "UPDATE", None, None)
ALLOWED_HUMAN_AGENT = (True, "MESSAGE_TAG", HUMAN_AGENT, None)


def refused(reason: str) -> tuple:
    return (False, None, None, reason)


# --- the 24-hour window -------------------------------------------------------------------------


@pytest.mark.parametrize("sender", list(Sender))
@pytest.mark.parametrize(
    ("purpose", "expected"),
    [
        (Purpose.REPLY, ALLOWED_RESPONSE),
        (Purpose.SERVICE, ALLOWED_RESPONSE),
        (Purpose.PROACTIVE, ALLOWED_UPDATE),
    ],
)
def test_inside_24_hours_replies_are_responses_and_proactive_sends_updates(
    sender, purpose, expected
):
    decision = decide(person(ago=HOUR), sender=sender, purpose=purpose, now=NOW)
    assert outcome(decision) == expected


def test_the_default_purpose_is_a_reply():
    assert outcome(automated(person(ago=HOUR))) == ALLOWED_RESPONSE


@pytest.mark.parametrize("ago", [timedelta(0), TICK, 23 * HOUR, DAY - TICK, DAY])
def test_the_window_includes_exactly_24_hours(ago):
    assert outcome(automated(person(ago=ago))) == ALLOWED_RESPONSE
    assert outcome(automated(person(ago=ago), purpose=Purpose.PROACTIVE)) == ALLOWED_UPDATE


@pytest.mark.parametrize("ago", [DAY + TICK, 2 * DAY, 30 * DAY])
def test_automation_without_a_tag_is_refused_after_24_hours(ago):
    for purpose in (Purpose.REPLY, Purpose.PROACTIVE):
        assert outcome(automated(person(ago=ago), purpose=purpose)) == refused("outside_window")


def test_automation_to_someone_who_never_wrote_needs_a_tag():
    assert outcome(automated(person(ago=None))) == refused("outside_window")
    tagged = automated(person(ago=None), tag="ACCOUNT_UPDATE")
    assert outcome(tagged) == (True, "MESSAGE_TAG", "ACCOUNT_UPDATE", None)


def test_a_tag_is_not_used_inside_the_window():
    decision = automated(person(ago=HOUR), purpose=Purpose.PROACTIVE, tag="ACCOUNT_UPDATE")
    assert outcome(decision) == ALLOWED_UPDATE


# --- SERVICE messages ---------------------------------------------------------------------------


def test_a_service_message_reaches_someone_who_just_unsubscribed():
    just_left = person(ago=timedelta(minutes=1), subscribed=False)
    assert outcome(automated(just_left, purpose=Purpose.SERVICE)) == ALLOWED_RESPONSE
    assert outcome(automated(just_left)) == refused("unsubscribed")
    assert outcome(automated(just_left, purpose=Purpose.PROACTIVE)) == refused("unsubscribed")


@pytest.mark.parametrize("subscribed", [True, False])
@pytest.mark.parametrize("tag", [None, "ACCOUNT_UPDATE"])
def test_a_service_message_is_only_sent_inside_24_hours(subscribed, tag):
    at_the_edge = person(ago=DAY, subscribed=subscribed)
    assert outcome(automated(at_the_edge, purpose=Purpose.SERVICE, tag=tag)) == ALLOWED_RESPONSE
    late = person(ago=DAY + TICK, subscribed=subscribed)
    assert outcome(automated(late, purpose=Purpose.SERVICE, tag=tag)) == refused("outside_window")


def test_a_service_message_by_a_human_outside_24_hours_is_refused_too():
    decision = human(person(ago=30 * HOUR), purpose=Purpose.SERVICE)
    assert outcome(decision) == refused("outside_window")


def test_a_service_message_never_reaches_an_unreachable_person():
    gone = person(ago=HOUR, subscribed=False, unreachable=True)
    assert outcome(automated(gone, purpose=Purpose.SERVICE)) == refused("unreachable")


# --- Human Agent --------------------------------------------------------------------------------


@pytest.mark.parametrize("ago", [DAY + TICK, 30 * HOUR, 6 * DAY, 7 * DAY - TICK, 7 * DAY])
def test_a_human_reply_between_24_hours_and_7_days_uses_human_agent(ago):
    assert outcome(human(person(ago=ago))) == ALLOWED_HUMAN_AGENT


@pytest.mark.parametrize("ago", [7 * DAY + TICK, 8 * DAY, 365 * DAY, None])
def test_a_human_reply_after_7_days_or_to_someone_who_never_wrote_is_closed(ago):
    assert outcome(human(person(ago=ago))) == refused("closed")


def test_a_human_reply_with_the_human_agent_tag_is_the_same_as_without():
    assert outcome(human(person(ago=30 * HOUR), tag=HUMAN_AGENT)) == ALLOWED_HUMAN_AGENT
    assert outcome(human(person(ago=HOUR), tag=HUMAN_AGENT)) == ALLOWED_RESPONSE


def test_a_human_proactive_message_outside_24_hours_is_not_a_human_agent_reply():
    assert outcome(human(person(ago=2 * DAY), purpose=Purpose.PROACTIVE)) == refused(
        "outside_window"
    )


def test_one_human_agent_reply_by_default_then_locked():
    assert outcome(human(person(ago=2 * DAY, human_agent_replies=0))) == ALLOWED_HUMAN_AGENT
    assert outcome(human(person(ago=2 * DAY, human_agent_replies=1))) == refused("human_agent_used")


@pytest.mark.parametrize(
    ("limit", "used", "allowed"),
    [(0, 0, False), (2, 0, True), (2, 1, True), (2, 2, False), (3, 5, False)],
)
def test_the_number_of_human_agent_replies_follows_the_setting(limit, used, allowed):
    settings = PolicySettings(human_agent_replies=limit)
    decision = human(person(ago=2 * DAY, human_agent_replies=used), settings=settings)
    assert outcome(decision) == (ALLOWED_HUMAN_AGENT if allowed else refused("human_agent_used"))


def test_used_human_agent_replies_do_not_matter_inside_24_hours():
    assert outcome(human(person(ago=HOUR, human_agent_replies=9))) == ALLOWED_RESPONSE


def test_human_agent_needs_the_feature_approved_for_the_app():
    settings = PolicySettings(human_agent_approved=False)
    assert outcome(human(person(ago=2 * DAY), settings=settings)) == refused(
        "human_agent_unavailable"
    )
    assert outcome(human(person(ago=HOUR), settings=settings)) == ALLOWED_RESPONSE
    assert outcome(human(person(ago=8 * DAY), settings=settings)) == refused("closed")


def test_a_human_may_not_pick_an_update_tag_instead_of_human_agent():
    # Update tags are for automation; a person's reply outside 24 h is always HUMAN_AGENT.
    assert outcome(human(person(ago=2 * DAY), tag="ACCOUNT_UPDATE")) == ALLOWED_HUMAN_AGENT
    assert outcome(human(person(ago=8 * DAY), tag="ACCOUNT_UPDATE")) == refused("closed")


def test_human_agent_from_automation_is_refused_even_inside_the_window():
    for ago in (HOUR, 2 * DAY):
        decision = automated(person(ago=ago), tag=HUMAN_AGENT)
        assert outcome(decision) == refused("human_agent_automation")


def test_automation_never_gets_human_agent_without_asking():
    assert outcome(automated(person(ago=2 * DAY))) == refused("outside_window")


# --- update tags, retired and unknown tags ------------------------------------------------------


@pytest.mark.parametrize("tag", sorted(UPDATE_TAGS))
@pytest.mark.parametrize("ago", [DAY + TICK, 7 * DAY, 60 * DAY, None])
def test_automation_outside_the_window_may_use_the_three_update_tags(tag, ago):
    for purpose in (Purpose.REPLY, Purpose.PROACTIVE):
        decision = automated(person(ago=ago), purpose=purpose, tag=tag)
        assert outcome(decision) == (True, "MESSAGE_TAG", tag, None)


def test_exactly_three_update_tags():
    assert set(UPDATE_TAGS) == {
        "CONFIRMED_EVENT_UPDATE",
        "POST_PURCHASE_UPDATE",
        "ACCOUNT_UPDATE",
    }
    assert all(UPDATE_TAGS.values())


@pytest.mark.parametrize("tag", sorted(RETIRED_TAGS))
def test_retired_tags_are_never_used(tag):
    for subscriber in (person(ago=HOUR), person(ago=2 * DAY)):
        assert outcome(automated(subscriber, tag=tag)) == refused("retired_tag")
        assert outcome(human(subscriber, tag=tag)) == refused("retired_tag")


def test_the_retired_tags_include_the_well_known_ones():
    assert {"NON_PROMOTIONAL_SUBSCRIPTION", "ISSUE_RESOLUTION", "SHIPPING_UPDATE"} <= RETIRED_TAGS
    assert not RETIRED_TAGS & set(UPDATE_TAGS)
    assert HUMAN_AGENT not in RETIRED_TAGS


@pytest.mark.parametrize("tag", ["PROMOTION", "account_update", "", "HUMAN AGENT"])
def test_unknown_tags_are_refused(tag):
    for subscriber in (person(ago=HOUR), person(ago=2 * DAY)):
        assert outcome(automated(subscriber, tag=tag)) == refused("unknown_tag")
        assert outcome(human(subscriber, tag=tag)) == refused("unknown_tag")


# --- who may not be written to at all -----------------------------------------------------------


@pytest.mark.parametrize("sender", list(Sender))
@pytest.mark.parametrize("purpose", list(Purpose))
def test_an_unreachable_person_gets_nothing(sender, purpose):
    gone = person(ago=HOUR, unreachable=True)
    decision = decide(gone, sender=sender, purpose=purpose, now=NOW)
    assert outcome(decision) == refused("unreachable")


@pytest.mark.parametrize("purpose", [Purpose.REPLY, Purpose.PROACTIVE])
@pytest.mark.parametrize("tag", [None, "ACCOUNT_UPDATE"])
def test_an_unsubscribed_person_gets_no_automation(purpose, tag):
    for ago in (HOUR, 2 * DAY):
        decision = automated(person(ago=ago, subscribed=False), purpose=purpose, tag=tag)
        assert outcome(decision) == refused("unsubscribed")


def test_an_operator_may_still_answer_someone_who_unsubscribed():
    left = person(ago=HOUR, subscribed=False)
    assert outcome(human(left)) == ALLOWED_RESPONSE
    assert outcome(human(person(ago=2 * DAY, subscribed=False))) == ALLOWED_HUMAN_AGENT


@pytest.mark.parametrize(
    ("status", "token"),
    [
        (PageStatus.NEEDS_RECONNECT, PAGE_TOKEN),
        (PageStatus.DISCONNECTED, PAGE_TOKEN),
        (PageStatus.DISCONNECTED, None),
        (PageStatus.CONNECTED, None),
    ],
)
@pytest.mark.parametrize("sender", list(Sender))
def test_nothing_is_sent_through_an_unusable_page(status, token, sender):
    # The Page comes first: even an unreachable person's message waits for the Page.
    subscriber = person(ago=HOUR, page_status=status, token=token, unreachable=True)
    decision = decide(subscriber, sender=sender, now=NOW)
    assert outcome(decision) == refused("page_unavailable")


def test_retired_and_unknown_tags_are_refused_before_the_sender_is_considered():
    assert outcome(automated(person(subscribed=False), tag="SHIPPING_UPDATE")) == refused(
        "retired_tag"
    )
    assert outcome(automated(person(subscribed=False), tag="PROMO")) == refused("unknown_tag")


# --- an operator's conversation holds automation back -------------------------------------------


def test_automation_is_held_while_an_operator_is_active():
    active = NOW - timedelta(minutes=10)
    decision = automated(person(ago=HOUR, operator_active_at=active))
    assert outcome(decision) == refused("operator_active")
    assert decision.held
    assert decision.held_until == active + timedelta(minutes=30)
    assert decision.explanation == EXPLANATIONS["operator_active"]


@pytest.mark.parametrize(
    ("minutes_ago", "held"),
    [(0, True), (29, True), (30, False), (31, False), (-5, True)],
)
def test_the_hold_lasts_exactly_the_hold_minutes(minutes_ago, held):
    active = NOW - timedelta(minutes=minutes_ago)
    decision = automated(person(ago=HOUR, operator_active_at=active))
    assert decision.held is held
    if held:
        assert decision.held_until == active + timedelta(minutes=30)
    else:
        assert outcome(decision) == ALLOWED_RESPONSE
        assert decision.held_until is None


def test_the_hold_ends_a_microsecond_before_hold_minutes_have_passed():
    hold = timedelta(minutes=30)
    assert automated(person(operator_active_at=NOW - hold + TICK)).held
    assert not automated(person(operator_active_at=NOW - hold)).held


def test_the_hold_length_is_a_workspace_setting():
    subscriber = person(ago=HOUR, operator_active_at=NOW - timedelta(minutes=10))
    short = automated(subscriber, settings=PolicySettings(hold_minutes=5))
    assert outcome(short) == ALLOWED_RESPONSE
    longer = automated(subscriber, settings=PolicySettings(hold_minutes=60))
    assert longer.held
    assert longer.held_until == NOW + timedelta(minutes=50)
    assert not automated(subscriber, settings=PolicySettings(hold_minutes=0)).held


def test_operators_themselves_are_never_held():
    subscriber = person(ago=HOUR, operator_active_at=NOW - timedelta(minutes=1))
    decision = human(subscriber)
    assert outcome(decision) == ALLOWED_RESPONSE
    assert not decision.held


def test_the_hold_applies_to_tagged_updates_outside_the_window():
    subscriber = person(ago=3 * DAY, operator_active_at=NOW - timedelta(minutes=1))
    assert automated(subscriber, tag="POST_PURCHASE_UPDATE").held


def test_unsubscribed_comes_before_the_hold():
    subscriber = person(subscribed=False, operator_active_at=NOW - timedelta(minutes=1))
    decision = automated(subscriber)
    assert outcome(decision) == refused("unsubscribed")
    assert not decision.held


def test_a_service_message_is_held_too():
    subscriber = person(subscribed=False, operator_active_at=NOW - timedelta(minutes=1))
    assert automated(subscriber, purpose=Purpose.SERVICE).held


# --- decisions in words -------------------------------------------------------------------------


@pytest.mark.parametrize("reason", sorted(EXPLANATIONS))
def test_every_reason_has_an_explanation(reason):
    decision = Decision(allowed=False, reason=reason)
    assert decision.explanation == EXPLANATIONS[reason]
    assert decision.explanation.endswith(".")
    assert decision.held is (reason == "operator_active")


def test_an_allowed_decision_explains_nothing():
    decision = automated(person())
    assert decision.explanation == ""
    assert not decision.held


def test_decide_without_settings_uses_the_defaults():
    assert PolicySettings() == PolicySettings(
        human_agent_replies=1, human_agent_approved=True, hold_minutes=30
    )
    subscriber = person(ago=2 * DAY, human_agent_replies=1)
    assert human(subscriber).reason == "human_agent_used"


# --- window_state -------------------------------------------------------------------------------


def test_someone_who_never_wrote_is_closed():
    assert window_state(person(ago=None), now=NOW) == WindowState(Window.CLOSED, None)


@pytest.mark.parametrize(
    ("ago", "window", "changes_after"),
    [
        (timedelta(0), Window.OPEN, DAY),
        (HOUR, Window.OPEN, DAY),
        (DAY, Window.OPEN, DAY),
        (DAY + TICK, Window.HUMAN_AGENT, 7 * DAY),
        (3 * DAY, Window.HUMAN_AGENT, 7 * DAY),
        (7 * DAY, Window.HUMAN_AGENT, 7 * DAY),
        (7 * DAY + TICK, Window.CLOSED, None),
        (30 * DAY, Window.CLOSED, None),
    ],
)
def test_window_state_and_when_it_changes(ago, window, changes_after):
    last = NOW - ago
    state = window_state(person(ago=ago), now=NOW)
    assert state.window == window
    assert state.changes_at == (None if changes_after is None else last + changes_after)


def test_one_subscriber_moves_from_open_to_human_agent_to_closed():
    subscriber = person(ago=timedelta(0))  # wrote at NOW
    timeline = [
        (NOW, Window.OPEN, NOW + DAY),
        (NOW + 23 * HOUR, Window.OPEN, NOW + DAY),
        (NOW + DAY, Window.OPEN, NOW + DAY),
        (NOW + DAY + TICK, Window.HUMAN_AGENT, NOW + 7 * DAY),
        (NOW + 7 * DAY, Window.HUMAN_AGENT, NOW + 7 * DAY),
        (NOW + 7 * DAY + TICK, Window.CLOSED, None),
    ]
    for at, window, changes_at in timeline:
        assert window_state(subscriber, now=at) == WindowState(window, changes_at), at


def test_writing_again_reopens_the_window():
    subscriber = person(ago=10 * DAY)
    assert window_state(subscriber, now=NOW).window == Window.CLOSED
    subscriber.last_inbound_at = NOW - timedelta(minutes=1)
    assert window_state(subscriber, now=NOW) == WindowState(
        Window.OPEN, NOW - timedelta(minutes=1) + DAY
    )


@pytest.mark.parametrize(
    "ago", [None, timedelta(0), DAY, DAY + TICK, 7 * DAY, 7 * DAY + TICK, 100 * DAY]
)
def test_the_window_matches_what_decide_allows(ago):
    subscriber = person(ago=ago)
    window = window_state(subscriber, now=NOW).window
    by_automation = automated(subscriber)
    by_a_person = human(subscriber)
    assert by_automation.allowed is (window == Window.OPEN)
    assert (by_a_person.tag == HUMAN_AGENT) is (window == Window.HUMAN_AGENT)
    assert by_a_person.allowed is (window != Window.CLOSED)


# --- settings_for -------------------------------------------------------------------------------


@pytest.fixture
def workspace(app):
    return WorkspaceFactory()


def test_settings_for_a_new_workspace_are_the_defaults(app, workspace, monkeypatch):
    monkeypatch.setitem(app.config, "FACEBOOK_APP_FEATURES", ("human_agent",))
    assert settings_for(workspace) == PolicySettings(
        human_agent_replies=1, human_agent_approved=True, hold_minutes=30
    )


def test_settings_for_follows_the_workspace(app, workspace, monkeypatch):
    monkeypatch.setitem(app.config, "FACEBOOK_APP_FEATURES", ("human_agent",))
    workspace.settings = {
        **workspace.settings,
        "human_agent_replies": 3,
        "operator_hold_minutes": 5,
    }
    assert settings_for(workspace) == PolicySettings(
        human_agent_replies=3, human_agent_approved=True, hold_minutes=5
    )


def test_settings_for_reads_numbers_stored_as_text(app, workspace):
    workspace.settings = {"human_agent_replies": "2", "operator_hold_minutes": "15"}
    settings = settings_for(workspace)
    assert (settings.human_agent_replies, settings.hold_minutes) == (2, 15)


def test_settings_for_falls_back_to_defaults_for_missing_settings(app, workspace):
    workspace.settings = {"human_agent_replies": 4}  # saved before the hold setting existed
    settings = settings_for(workspace)
    assert (settings.human_agent_replies, settings.hold_minutes) == (4, 30)
    workspace.settings = None
    settings = settings_for(workspace)
    assert (settings.human_agent_replies, settings.hold_minutes) == (1, 30)


@pytest.mark.parametrize(
    ("features", "approved"),
    [
        (("human_agent", "business_asset_user_profile_access"), True),
        (("human_agent",), True),
        (("business_asset_user_profile_access",), False),
        ((), False),
    ],
)
def test_human_agent_is_approved_by_the_app_features_setting(
    app, workspace, monkeypatch, features, approved
):
    monkeypatch.setitem(app.config, "FACEBOOK_APP_FEATURES", features)
    assert settings_for(workspace).human_agent_approved is approved


def test_the_test_app_has_the_development_features(app):
    assert "human_agent" in app.config["FACEBOOK_APP_FEATURES"]


def test_an_app_without_human_agent_refuses_human_agent_replies(app, workspace, monkeypatch):
    monkeypatch.setitem(app.config, "FACEBOOK_APP_FEATURES", ())
    decision = human(person(ago=2 * DAY), settings=settings_for(workspace))
    assert outcome(decision) == refused("human_agent_unavailable")


def test_the_windows_are_24_hours_and_7_days():
    assert policy.WINDOW == DAY
    assert policy.HUMAN_AGENT_WINDOW == 7 * DAY
