"""Email: every message Herald sends is stored, then delivered over SMTP by a worker.

Without `MAIL_SERVER` (development), messages stay in the outbox, which the dashboard shows at
/dev/outbox, so sign-up and invitations work on a laptop.
"""

from __future__ import annotations

import enum
import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app, render_template
from redis import RedisError
from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import TimestampMixin, UTCDateTime, utcnow
from app.core.models import enum_column
from app.core.queue import enqueue, work_id
from app.core.scheduling import register_sweep
from app.extensions import db

log = logging.getLogger(__name__)

# An SMTP server that is down for a while should not lose a verification email.
RETRY_INTERVALS = [60, 300, 1800]
STUCK_AFTER = timedelta(minutes=5)


class EmailStatus(enum.StrEnum):
    """Where an email stands."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    OUTBOX = "outbox"  # kept for viewing: no SMTP server configured


class Email(TimestampMixin, db.Model):
    """One email to one address."""

    __tablename__ = "emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int | None] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    status: Mapped[EmailStatus] = mapped_column(
        enum_column(EmailStatus), default=EmailStatus.QUEUED
    )
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def send_email(
    to: str, subject: str, template: str, *, workspace_id: int | None = None, **context: object
) -> Email:
    """Render `templates/email/<template>.{txt,html}`, store the email and queue its delivery.

    Committed here so the worker sees it; callers send after their own changes are committed.
    """
    email = Email(
        workspace_id=workspace_id,
        to=to,
        subject=subject,
        text_body=render_template(f"email/{template}.txt", **context),
        html_body=render_template(f"email/{template}.html", subject=subject, **context),
    )
    if not current_app.config.get("MAIL_SERVER"):
        email.status = EmailStatus.OUTBOX
    db.session.add(email)
    db.session.commit()
    if email.status == EmailStatus.QUEUED:
        try:
            _queue_delivery(email.id)
        except RedisError as exc:  # stored: the sweep below queues it once Redis is back
            log.warning("email %s stored but not queued: %s", email.id, exc)
    return email


def _queue_delivery(email_id: int) -> None:
    enqueue(
        "app.core.mail.deliver",
        email_id,
        job_id=work_id("email", email_id),
        retry_intervals=RETRY_INTERVALS,
    )


@register_sweep("queued-emails", seconds=300)
def queue_waiting_emails() -> None:
    """Queue again emails still waiting after a while (a lost job); pending retries stay as is."""
    query = (
        select(Email.id)
        .where(Email.status == EmailStatus.QUEUED, Email.updated_at < utcnow() - STUCK_AFTER)
        .limit(1000)
    )
    for email_id in db.session.scalars(query):
        _queue_delivery(email_id)  # the same job id: a pending retry is not doubled


def deliver(email_id: int) -> None:
    """Job: send a queued email over SMTP (idempotent: sent emails are skipped)."""
    email = db.session.get(Email, email_id)
    if email is None or email.status != EmailStatus.QUEUED:
        return
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = email.to
    message["Subject"] = email.subject
    message.set_content(email.text_body)
    message.add_alternative(email.html_body, subtype="html")
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        email.attempts += 1
        email.error = f"{type(exc).__name__}: {exc}"[:500]
        if email.attempts > len(RETRY_INTERVALS):
            email.status = EmailStatus.FAILED
        db.session.commit()
        log.warning("email %s to %s failed: %s", email.id, email.to, email.error)
        raise
    email.status, email.sent_at, email.error = EmailStatus.SENT, utcnow(), None
    db.session.commit()
