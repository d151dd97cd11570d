"""Email: stored first, delivered by a worker over SMTP, retried, never lost to a lost job."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from types import SimpleNamespace

import pytest

from app.core import mail
from app.core.db import utcnow
from app.core.mail import Email, EmailStatus
from app.core.queue import get_queue
from app.extensions import db


class FakeSMTP:
    """Stands in for smtplib.SMTP: records what was sent, or refuses like a server that is down."""

    sent: list = []
    down = False

    def __init__(self, host, port, timeout):
        if FakeSMTP.down:
            raise smtplib.SMTPConnectError(421, b"try later")
        self.address = (host, port)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message)


@pytest.fixture
def smtp(app, monkeypatch):
    FakeSMTP.sent, FakeSMTP.down = [], False
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.test")
    return FakeSMTP


def queued_email() -> Email:
    user = SimpleNamespace(name="Ana")
    return mail.send_email(
        "ana@acme.example", "Reset", "reset_password", user=user, link="https://herald.test/r"
    )


def test_without_a_server_emails_stay_in_the_outbox(app):
    email = queued_email()
    assert email.status == EmailStatus.OUTBOX
    assert get_queue().jobs == []


def test_an_email_is_stored_queued_and_sent_once(smtp):
    email = queued_email()
    assert email.status == EmailStatus.QUEUED
    assert [job.args for job in get_queue().jobs] == [(email.id,)]
    mail.deliver(email.id)
    mail.deliver(email.id)  # safe twice
    db.session.refresh(email)
    assert email.status == EmailStatus.SENT
    assert [m["To"] for m in smtp.sent] == ["ana@acme.example"]


def test_a_server_that_is_down_is_retried_then_the_email_fails(smtp):
    email = queued_email()
    smtp.down = True
    for _attempt in mail.RETRY_INTERVALS:
        with pytest.raises(smtplib.SMTPConnectError):
            mail.deliver(email.id)
        assert db.session.get(Email, email.id).status == EmailStatus.QUEUED
    with pytest.raises(smtplib.SMTPConnectError):
        mail.deliver(email.id)
    db.session.refresh(email)
    assert (email.status, email.attempts) == (EmailStatus.FAILED, 4)
    assert "SMTPConnectError" in email.error


def test_emails_whose_job_was_lost_are_queued_again_once(smtp):
    stuck = queued_email()
    fresh = queued_email()
    get_queue().empty()  # the jobs are lost
    stuck.updated_at = utcnow() - timedelta(minutes=10)
    db.session.commit()

    mail.queue_waiting_emails()
    mail.queue_waiting_emails()

    assert [job.args for job in get_queue().jobs] == [(stuck.id,)]
    assert db.session.get(Email, fresh.id).status == EmailStatus.QUEUED  # its job may still come
