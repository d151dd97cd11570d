"""Conversations from webhooks; replies under the policy; assignment, notes, retry, unread."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.db import utcnow
from app.core.messages.models import Direction, Message, MessageStatus
from app.core.models import Role
from app.core.queue import queue_lengths
from app.extensions import db
from app.livechat import inbox, services
from app.livechat.models import Conversation, ConversationStatus
from app.webhooks import tasks
from tests.factories import PageFactory, SubscriberFactory, UserFactory
from tests.support.webhooks import payload, post


@pytest.fixture
def page(app):
    return PageFactory(facebook_page_id="1010000000001", name="Acme Coffee")


@pytest.fixture
def operator(page):
    return UserFactory(workspace=page.workspace, role=Role.ADMIN)


def deliver(client, name, **kwargs):
    post(client, payload(name, **kwargs))
    with client.application.app_context():  # as in a worker: its own session
        for slot in range(4):
            tasks.drain(slot)
    db.session.expire_all()


def conversation() -> Conversation:
    return db.session.scalars(select(Conversation)).one()


def test_a_message_opens_an_unassigned_conversation_with_unread(client, page, operator):
    deliver(client, "message_text")
    opened = conversation()
    assert (opened.status, opened.assignee_id) == (ConversationStatus.OPEN, None)
    assert opened.preview == "Hi! Do you deliver to Lisbon?"
    assert inbox.conversations(operator, "unassigned") == [opened]
    assert services.unread_counts([opened]) == {opened.id: 1}
    services.open_conversation(opened, operator)
    assert services.unread_counts([opened]) == {opened.id: 0}
    assert queue_lengths()["sends"] == 1  # mark_seen


def test_a_resolved_conversation_reopens_when_the_person_writes(client, page, operator):
    deliver(client, "message_text")
    services.set_status(conversation(), ConversationStatus.RESOLVED)
    assert inbox.conversations(operator, "resolved") == [conversation()]
    later = int((utcnow() + timedelta(minutes=2)).timestamp() * 1000)
    deliver(client, "message_quick_reply", now_ms=later)  # written after it was resolved
    assert conversation().status == ConversationStatus.OPEN


def test_a_reply_in_the_window_is_queued_as_a_human_response_and_assigns(page, operator):
    subscriber = SubscriberFactory(page=page, last_inbound_at=utcnow() - timedelta(hours=2))
    chat = services.conversation_for(subscriber)
    message = services.reply(chat, operator, "  On our way!  ")
    assert (message.text, message.status, message.author_id) == (
        "On our way!",
        MessageStatus.QUEUED,
        operator.id,
    )
    assert message.payload["sender"] == "human"
    assert chat.assignee_id == operator.id
    assert subscriber.operator_active_at is not None


@pytest.mark.parametrize(
    ("hours", "allowed", "tag"),
    [(2, True, None), (30, True, "HUMAN_AGENT"), (24 * 8, False, None)],
)
def test_the_reply_decision_follows_the_window(page, operator, hours, allowed, tag):
    subscriber = SubscriberFactory(page=page, last_inbound_at=utcnow() - timedelta(hours=hours))
    decision = services.reply_decision(services.conversation_for(subscriber))
    assert (decision.allowed, decision.tag) == (allowed, tag)


def test_refused_replies_are_never_stored(page, operator):
    subscriber = SubscriberFactory(page=page, last_inbound_at=utcnow() - timedelta(days=8))
    chat = services.conversation_for(subscriber)
    with pytest.raises(services.LiveChatError, match="7 days"):
        services.reply(chat, operator, "Hello?")
    assert db.session.scalars(select(Message)).all() == []


def test_a_reply_messenger_would_refuse_changes_nothing(page, operator):
    subscriber = SubscriberFactory(page=page)
    chat = services.conversation_for(subscriber)
    db.session.commit()
    with pytest.raises(services.LiveChatError, match="up to 1999"):
        services.reply(chat, operator, "x" * 2001)
    db.session.rollback()
    db.session.refresh(subscriber)
    db.session.refresh(chat)
    assert db.session.scalars(select(Message)).all() == []
    assert subscriber.operator_active_at is None
    assert chat.assignee_id is None


def test_one_human_agent_reply_then_locked_unless_the_workspace_allows_more(page, operator):
    subscriber = SubscriberFactory(page=page, last_inbound_at=utcnow() - timedelta(hours=30))
    chat = services.conversation_for(subscriber)
    subscriber.human_agent_replies = 1  # one was sent
    db.session.commit()
    assert services.reply_decision(chat).reason == "human_agent_used"
    page.workspace.settings = {**page.workspace.settings, "human_agent_replies": 2}
    db.session.commit()
    assert services.reply_decision(chat).tag == "HUMAN_AGENT"


def test_agents_can_be_assigned_only_to_their_pages(page, operator):
    other_page = PageFactory(workspace=page.workspace)
    agent = UserFactory(workspace=page.workspace, role=Role.AGENT, agent_pages=[other_page])
    chat = services.conversation_for(SubscriberFactory(page=page))
    with pytest.raises(services.LiveChatError):
        services.assign(chat, agent.id)
    agent.agent_pages = [page]
    db.session.commit()
    services.assign(chat, agent.id)
    assert inbox.conversations(agent, "mine") == [chat]


def test_notes_are_stored_and_never_sent(page, operator):
    chat = services.conversation_for(SubscriberFactory(page=page))
    services.add_note(chat, operator, "VIP: be nice")
    assert [item.note.text for item in inbox.thread(chat) if item.note] == ["VIP: be nice"]
    assert db.session.scalars(select(Message)).all() == []
    assert queue_lengths()["sends"] == 0


def test_only_failed_replies_can_be_retried_as_a_new_message(page, operator):
    subscriber = SubscriberFactory(page=page, last_inbound_at=utcnow() - timedelta(hours=1))
    chat = services.conversation_for(subscriber)
    failed = services.reply(chat, operator, "First try")
    with pytest.raises(services.LiveChatError):
        services.retry(chat, operator, failed.id)  # still queued
    failed.status = MessageStatus.FAILED
    db.session.commit()
    again = services.retry(chat, operator, failed.id)
    assert again.id != failed.id
    assert again.text == "First try"


def test_search_finds_names_and_message_text(client, page, operator):
    deliver(client, "message_text")
    chat = conversation()
    assert inbox.conversations(operator, "open", "lisbon") == [chat]
    assert inbox.conversations(operator, "open", "nothing like this") == []


def test_another_workspace_sees_no_conversation(client, page):
    deliver(client, "message_text")
    stranger = UserFactory()
    assert inbox.conversations(stranger, "open") == []
    assert all(v == 0 for v in inbox.folder_counts(stranger).values())


def test_inbound_messages_are_in_the_thread_in_order(client, page, operator):
    deliver(client, "message_text")
    deliver(client, "message_quick_reply")
    items = inbox.thread(conversation())
    assert [item.message.direction for item in items] == [Direction.IN, Direction.IN]
