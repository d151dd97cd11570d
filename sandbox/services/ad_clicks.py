"""A person clicks a click-to-Messenger ad and lands in the Page's thread.

On an existing thread Messenger sends a ``messaging_referrals`` event with ``source: ADS``. On a
new thread the referral rides on the Get Started postback when the Page has a Get Started button,
otherwise on the person's first message (the text the ad pre-fills, unless they typed their own).
Either way the 24-hour window opens.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from sandbox.models import Ad, AdCreative, Page, Person
from sandbox.services import threads
from sandbox.services.people import (
    ActionRefused,
    ActionResult,
    Inbound,
    get_started_payload,
    queue_message,
    queue_postback,
    queue_referral,
)

PREFILLED_TEXT = "Hello! Can I get more info on this?"  # Messenger's default ad greeting


def ads_referral(ad: Ad, creative: AdCreative, ref: str | None) -> dict[str, Any]:
    """Return the ``referral`` object of a click on the ad."""
    link_data = creative.object_story_spec.get("link_data") or {}
    context: dict[str, Any] = {"ad_title": link_data.get("name") or ad.name}
    if link_data.get("picture"):
        context["photo_url"] = link_data["picture"]
    elif link_data.get("image_hash"):
        context["photo_url"] = (
            f"https://scontent.xx.fbcdn.net/v/t45.1600-4/{link_data['image_hash']}.jpg"
        )
    context["post_id"] = creative.post_id
    referral: dict[str, Any] = {"ref": ref} if ref else {}
    referral.update(source="ADS", type="OPEN_THREAD", ad_id=ad.id, ads_context_data=context)
    return referral


def click(
    session: Session,
    person: Person,
    ad: Ad,
    *,
    at: int,
    ref: str | None = None,
    text: str | None = None,
) -> ActionResult:
    """The person opens the Page's thread from the ad (which must be delivering)."""
    creative = session.get(AdCreative, ad.creative_id)
    assert creative is not None
    page = session.get(Page, creative.page_id)
    assert page is not None
    thread, is_new = threads.thread_for(session, person.id, page.id, at)
    if thread.blocked:
        raise ActionRefused("this person has blocked the Page")
    session.flush()
    referral = ads_referral(ad, creative, ref)
    result = ActionResult(thread.psid, extra={"page_id": page.id})
    memo: dict[Any, Any] = {}
    get_started = get_started_payload(page)
    if not is_new:
        queue_referral(session, thread, referral, at, memo, result)
    elif get_started is not None:
        queue_postback(session, thread, get_started, "Get Started", referral, at, memo, result)
    else:
        inbound = Inbound(text=text or PREFILLED_TEXT)
        queue_message(session, thread, inbound, at, memo, result, referral=referral)
    return result
