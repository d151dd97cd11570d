"""The webhook dispatcher: delivers queued events, batching entries and retrying failures.

:meth:`Dispatcher.run_once` is one round (tests call it directly instead of waiting); the
background thread simply repeats rounds, woken early by :meth:`Dispatcher.notify`.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from itertools import groupby
from typing import Any
from urllib.parse import urlencode

import requests
from sqlalchemy import select

from sandbox.models import App, WebhookDelivery, WebhookEvent
from sandbox.runtime import Sandbox
from sandbox.services import feed
from sandbox.webhooks import health, payloads

log = logging.getLogger("sandbox.webhooks")
CLAIM_LIMIT = 1000


@dataclass
class _Event:
    id: int
    app_id: str
    kind: str
    field: str
    body: dict[str, Any]
    attempts: int


@dataclass
class _Target:
    callback_url: str | None
    secret: str


@dataclass
class _Outcome:
    result: str
    status_code: int | None
    body: str
    url: str
    duration_ms: int
    duplicate: bool = False


class Dispatcher:
    """Delivers webhook events to app callbacks, in rounds."""

    def __init__(self, sandbox: Sandbox, poll_interval: float = 0.25) -> None:
        self.sandbox = sandbox
        self.poll_interval = poll_interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._http = threading.local()

    # --- background thread -----------------------------------------------------------------

    def start(self) -> None:
        """Start the background thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="sandbox-webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the background thread and wait for its current round."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def notify(self) -> None:
        """Wake the thread: events were queued."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                delivered = self.run_once()
                self.sandbox.flush_logs()
            except Exception:
                log.exception("webhook dispatch round failed")
                delivered = 0
            if not delivered:
                self._wake.wait(self.poll_interval)

    # --- rounds ------------------------------------------------------------------------------

    def run_once(self) -> int:
        """Make one delivery attempt for every due event; return how many events were attempted."""
        now = self.sandbox.now_ms()
        with self.sandbox.db.write() as session:
            if feed.has_due(session, now):
                feed.publish_due(session, now)  # scheduled posts go out, with their webhooks
            rows = session.scalars(
                select(WebhookEvent)
                .where(WebhookEvent.state == "pending", WebhookEvent.available_at <= now)
                .order_by(WebhookEvent.id)
                .limit(CLAIM_LIMIT)
            ).all()
            for row in rows:
                row.state = "inflight"
            events = [_snapshot(row) for row in rows]
            targets = _targets(session, {e.app_id for e in events})
        self._deliver(events, targets)
        return len(events)

    def deliver_now(self, event_ids: list[int]) -> dict[str, str]:
        """First attempt, right now, of events queued ``inflight``; return the result per app."""
        if not event_ids:
            return {}
        with self.sandbox.db.read() as session:
            rows = session.scalars(
                select(WebhookEvent).where(WebhookEvent.id.in_(event_ids)).order_by(WebhookEvent.id)
            ).all()
            events = [_snapshot(row) for row in rows]
            targets = _targets(session, {e.app_id for e in events})
        return self._deliver(events, targets)

    def _deliver(self, events: list[_Event], targets: dict[str, _Target]) -> dict[str, str]:
        results: dict[str, str] = {}
        batch_max = self.sandbox.settings["webhook_batch_max"]
        page_events = [e for e in events if e.kind == "page"]
        rounds: dict[str, list[str]] = {}
        for app_id, group in groupby(
            sorted(page_events, key=lambda e: e.app_id), key=lambda e: e.app_id
        ):
            items = list(group)
            for start in range(0, len(items), batch_max):
                chunk = items[start : start + batch_max]
                outcomes = self._post_page_events(chunk, targets.get(app_id))
                self._settle(chunk, outcomes)
                results.setdefault(app_id, outcomes[0].result)
                rounds.setdefault(app_id, []).append(outcomes[0].result)
        self._record_health(rounds)
        for event in (e for e in events if e.kind != "page"):
            outcomes = self._post_callback(event)
            self._settle([event], outcomes)
            results.setdefault(event.app_id, outcomes[0].result)
        return results

    def _record_health(self, rounds: dict[str, list[str]]) -> None:
        """Count this round per app; an app failing too long loses its Page subscriptions."""
        tried = {app: res for app, res in rounds.items() if "not_subscribed" not in res}
        if not tried:
            return
        now = self.sandbox.now_ms()
        with self.sandbox.db.write() as session:
            for app_id, results in tried.items():
                disabled = health.record_round(
                    session,
                    app_id,
                    delivered="delivered" in results,
                    result=results[-1],
                    now=now,
                    settings=self.sandbox.settings,
                )
                if disabled:
                    log.warning("webhooks disabled for app %s: its endpoint keeps failing", app_id)

    # --- HTTP ----------------------------------------------------------------------------------

    def _post_page_events(self, events: list[_Event], target: _Target | None) -> list[_Outcome]:
        if target is None or not target.callback_url:
            return [_Outcome("not_subscribed", None, "", "", 0)]
        body = payloads.serialize(payloads.page_payload([e.body for e in events]))
        headers = {"Content-Type": "application/json", **payloads.signatures(target.secret, body)}
        return self._post_with_faults(target.callback_url, body, headers)

    def _post_callback(self, event: _Event) -> list[_Outcome]:
        url, form = event.body["url"], event.body["form"]
        body = urlencode(form).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self._post_with_faults(url, body, headers)

    def _post_with_faults(self, url: str, body: bytes, headers: dict[str, str]) -> list[_Outcome]:
        outcomes = [self._post(url, body, headers)]
        if self._take_duplicate():
            duplicate = self._post(url, body, headers)
            duplicate.duplicate = True
            outcomes.append(duplicate)
        return outcomes

    def _take_duplicate(self) -> bool:
        faults = self.sandbox.faults
        if not faults.any_delivery_fault:
            return False
        with self.sandbox.db.write() as session:
            return faults.take_duplicate_delivery(session)

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> _Outcome:
        timeout = self.sandbox.settings["webhook_timeout"]
        started = time.perf_counter()
        status: int | None = None
        try:
            response = self._session().post(url, data=body, headers=headers, timeout=timeout)
            status = response.status_code
            result = "delivered" if 200 <= status < 300 else f"failed:{status}"
        except requests.Timeout:
            result = "timeout"
        except requests.RequestException:
            result = "failed:connection"
        duration = int((time.perf_counter() - started) * 1000)
        return _Outcome(result, status, body.decode("utf-8", "replace"), url, duration)

    def _session(self) -> requests.Session:
        session = getattr(self._http, "session", None)
        if session is None:
            session = self._http.session = requests.Session()
        return session

    # --- bookkeeping ------------------------------------------------------------------------

    def _settle(self, events: list[_Event], outcomes: list[_Outcome]) -> None:
        now = self.sandbox.now_ms()
        delays = self.sandbox.settings["webhook_retry_delays"]
        first = outcomes[0]
        with self.sandbox.db.write() as session:
            for outcome in outcomes:
                if outcome.result == "not_subscribed":
                    continue
                session.add(
                    WebhookDelivery(
                        app_id=events[0].app_id,
                        url=outcome.url,
                        event_ids=[e.id for e in events],
                        attempts=[e.attempts + 1 for e in events],
                        fields=[e.field for e in events],
                        result=outcome.result,
                        status_code=outcome.status_code,
                        duplicate=outcome.duplicate,
                        body=outcome.body,
                        created_at=now,
                        duration_ms=outcome.duration_ms,
                    )
                )
            for event in events:
                row = session.get(WebhookEvent, event.id)
                if row is None:
                    continue
                row.attempts = event.attempts + 1
                row.last_result = first.result
                if first.result == "delivered":
                    row.state = "delivered"
                elif first.result == "not_subscribed" or row.attempts > len(delays):
                    row.state = "given_up"
                else:
                    row.state = "pending"
                    row.available_at = now + int(delays[row.attempts - 1] * 1000)


def _snapshot(row: WebhookEvent) -> _Event:
    return _Event(row.id, row.app_id, row.kind, row.field, row.body, row.attempts)


def _targets(session: Any, app_ids: set[str]) -> dict[str, _Target]:
    if not app_ids:
        return {}
    rows = session.scalars(select(App).where(App.id.in_(app_ids))).all()
    return {app.id: _Target(app.callback_url, app.secret) for app in rows}
