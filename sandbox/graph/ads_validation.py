"""Parameter validation of the Marketing API's create calls, with Meta-like 100 errors.

Click-to-Messenger is the recipe that works: an OUTCOME_* campaign, an ad set with
``destination_type=MESSENGER`` and ``optimization_goal=CONVERSATIONS`` (each requires the other),
and a creative whose call to action is MESSAGE_PAGE to MESSENGER. The legacy Sponsored Messages
recipe (objective MESSAGES, ``sponsored_messages`` placement, ``messenger_sponsored_message``
creatives) was withdrawn by Meta and is refused with an explicit error.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sandbox import errors
from sandbox.errors import GraphError
from sandbox.graph.request import GraphRequest
from sandbox.services.ads import CREATE_STATUSES

OBJECTIVES = (
    "OUTCOME_ENGAGEMENT",
    "OUTCOME_SALES",
    "OUTCOME_TRAFFIC",
    "OUTCOME_LEADS",
    "OUTCOME_AWARENESS",
    "OUTCOME_APP_PROMOTION",
)
MESSENGER_OBJECTIVES = OBJECTIVES[:4]
LEGACY_OBJECTIVES = ("LINK_CLICKS", "CONVERSIONS", "POST_ENGAGEMENT", "LEAD_GENERATION", "REACH")
SPECIAL_AD_CATEGORIES = (
    "NONE",
    "EMPLOYMENT",
    "HOUSING",
    "FINANCIAL_PRODUCTS_SERVICES",
    "ISSUES_ELECTIONS_POLITICS",
    "ONLINE_GAMBLING_AND_GAMING",
)
BILLING_EVENTS = ("IMPRESSIONS", "LINK_CLICKS", "THRUPLAY")
OPTIMIZATION_GOALS = (
    "CONVERSATIONS",
    "LINK_CLICKS",
    "IMPRESSIONS",
    "REACH",
    "LANDING_PAGE_VIEWS",
    "LEAD_GENERATION",
    "OFFSITE_CONVERSIONS",
    "POST_ENGAGEMENT",
)
DESTINATION_TYPES = ("MESSENGER", "WEBSITE", "ON_AD", "ON_POST", "ON_PAGE")
BID_STRATEGIES = ("LOWEST_COST_WITHOUT_CAP", "LOWEST_COST_WITH_BID_CAP", "COST_CAP")
MIN_BUDGET = 100  # minor units (1.00 in the account currency)


def sponsored_messages_withdrawn(what: str) -> GraphError:
    """100: the legacy Sponsored Messages recipe, which Meta no longer offers."""
    return GraphError(
        100,
        f"{what}: Sponsored Messages ads are no longer available. Meta withdrew the Sponsored "
        "Messages ad type (objective MESSAGES, the sponsored_messages Messenger placement and "
        "messenger_sponsored_message creatives) from the Marketing API and Ads Manager in 2024. "
        "Use a click-to-Messenger ad (an OUTCOME_ENGAGEMENT campaign, an ad set with "
        "destination_type MESSENGER and optimization_goal CONVERSATIONS, a MESSAGE_PAGE call to "
        "action) or the Marketing Messages API.",
        user_title="Sponsored messages are no longer available",
        user_msg="This ad type was discontinued by Meta. Create a click-to-Messenger ad instead.",
    )


def one_of(
    request: GraphRequest, name: str, allowed: tuple[str, ...], default: str | None = None
) -> str:
    """Return a required (or defaulted) enum parameter."""
    value = request.text(name) or default
    if value is None:
        raise errors.invalid_param(f"The parameter {name} is required")
    if value not in allowed:
        raise errors.invalid_param(f"param {name} must be one of {{{', '.join(allowed)}}}")
    return value


def required_text(request: GraphRequest, name: str) -> str:
    """Return a required non-empty string parameter."""
    value = request.text(name)
    if not value:
        raise errors.invalid_param(f"The parameter {name} is required")
    return value


def json_object(request: GraphRequest, name: str, required: bool = True) -> dict[str, Any] | None:
    """Return a JSON-object parameter."""
    value = request.obj(name)
    if value is None or value == "":
        if required:
            raise errors.invalid_param(f"The parameter {name} is required")
        return None
    if not isinstance(value, dict):
        raise errors.invalid_param(f"param {name} must be a JSON object")
    return value


def status(request: GraphRequest) -> str:
    """Return the ``status`` of a new object (ACTIVE unless given, as Graph defaults)."""
    return one_of(request, "status", CREATE_STATUSES, "ACTIVE")


def campaign_params(request: GraphRequest) -> dict[str, Any]:
    """Validate a campaign: name, objective, special_ad_categories, status, buying_type."""
    name = required_text(request, "name")
    objective = request.text("objective")
    if objective == "MESSAGES":
        raise sponsored_messages_withdrawn("objective MESSAGES")
    if objective in LEGACY_OBJECTIVES:
        raise errors.invalid_param(
            f"Objective {objective} is invalid. Use one of the following objectives instead: "
            f"{', '.join(OBJECTIVES)}"
        )
    objective = one_of(request, "objective", OBJECTIVES)
    categories = request.obj("special_ad_categories")
    if categories is None or categories == "":
        raise errors.invalid_param("The parameter special_ad_categories is required")
    if not isinstance(categories, list):
        raise errors.invalid_param("param special_ad_categories must be an array")
    for value in categories:
        if value not in SPECIAL_AD_CATEGORIES:
            raise errors.invalid_param(
                f"param special_ad_categories must be among {{{', '.join(SPECIAL_AD_CATEGORIES)}}}"
            )
    return {
        "name": name,
        "objective": objective,
        "special_ad_categories": [c for c in categories if c != "NONE"],
        "status": status(request),
        "buying_type": one_of(request, "buying_type", ("AUCTION", "RESERVED"), "AUCTION"),
    }


def _budget(request: GraphRequest) -> tuple[int | None, int | None]:
    daily, lifetime = request.text("daily_budget"), request.text("lifetime_budget")
    if (daily is None) == (lifetime is None):
        raise errors.invalid_param("Exactly one of daily_budget and lifetime_budget must be set")
    raw = daily if daily is not None else lifetime
    name = "daily_budget" if daily is not None else "lifetime_budget"
    if raw is None or not raw.isdigit():
        raise errors.invalid_param(f"param {name} must be an integer in the currency's minor units")
    if int(raw) < MIN_BUDGET:
        raise errors.invalid_param(
            f"param {name} must be at least {MIN_BUDGET} (minor units of the account currency)"
        )
    return (int(raw), None) if daily is not None else (None, int(raw))


def epoch_ms(request: GraphRequest, name: str) -> int | None:
    """Return an optional time parameter (Unix seconds or ISO 8601) as epoch ms."""
    raw = request.text(name)
    if not raw:
        return None
    try:
        if raw.isdigit():
            return int(raw) * 1000
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise errors.invalid_param(f"param {name} must be a Unix time or ISO 8601") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _targeting(request: GraphRequest) -> dict[str, Any]:
    targeting = json_object(request, "targeting")
    assert targeting is not None
    if "sponsored_messages" in (targeting.get("messenger_positions") or []):
        raise sponsored_messages_withdrawn("targeting messenger_positions sponsored_messages")
    geo = targeting.get("geo_locations")
    if not isinstance(geo, dict) or not any(
        geo.get(key) for key in ("countries", "regions", "cities", "zips", "custom_locations")
    ):
        raise errors.invalid_param(
            "param targeting[geo_locations] is required: give countries, regions, cities, zips "
            "or custom_locations"
        )
    return targeting


def adset_params(request: GraphRequest, objective: str) -> dict[str, Any]:
    """Validate an ad set against its campaign's objective (lookups are the caller's)."""
    name = required_text(request, "name")
    daily, lifetime = _budget(request)
    billing_event = one_of(request, "billing_event", BILLING_EVENTS)
    goal = one_of(request, "optimization_goal", OPTIMIZATION_GOALS)
    destination = request.text("destination_type")
    if destination is not None and destination not in DESTINATION_TYPES:
        raise errors.invalid_param(
            f"param destination_type must be one of {{{', '.join(DESTINATION_TYPES)}}}"
        )
    if (destination == "MESSENGER") != (goal == "CONVERSATIONS"):
        raise errors.invalid_param(
            "destination_type MESSENGER requires optimization_goal CONVERSATIONS, and "
            "optimization_goal CONVERSATIONS requires destination_type MESSENGER"
        )
    if destination == "MESSENGER":
        if objective not in MESSENGER_OBJECTIVES:
            raise errors.invalid_param(
                f"destination_type MESSENGER is not available for objective {objective}"
            )
        if billing_event != "IMPRESSIONS":
            raise errors.invalid_param("billing_event must be IMPRESSIONS for CONVERSATIONS")
    strategy = one_of(request, "bid_strategy", BID_STRATEGIES, "LOWEST_COST_WITHOUT_CAP")
    bid = request.text("bid_amount")
    if strategy != "LOWEST_COST_WITHOUT_CAP" and not (bid and bid.isdigit()):
        raise errors.invalid_param(f"bid_strategy {strategy} requires a bid_amount")
    promoted = json_object(request, "promoted_object")
    assert promoted is not None
    if not promoted.get("page_id"):
        raise errors.invalid_param("param promoted_object[page_id] is required")
    start, end = epoch_ms(request, "start_time"), epoch_ms(request, "end_time")
    if lifetime is not None and end is None:
        raise errors.invalid_param("An ad set with a lifetime_budget needs an end_time")
    return {
        "name": name,
        "daily_budget": daily,
        "lifetime_budget": lifetime,
        "billing_event": billing_event,
        "optimization_goal": goal,
        "destination_type": destination,
        "bid_strategy": strategy,
        "bid_amount": int(bid) if bid and bid.isdigit() else None,
        "promoted_object": {"page_id": str(promoted["page_id"])},
        "targeting": _targeting(request),
        "status": status(request),
        "start_time": start,
        "end_time": end,
    }


def creative_params(request: GraphRequest) -> dict[str, Any]:
    """Validate a creative's ``object_story_spec`` (the caller checks the Page)."""
    if request.params.get("messenger_sponsored_message") is not None:
        raise sponsored_messages_withdrawn("messenger_sponsored_message")
    spec = json_object(request, "object_story_spec")
    assert spec is not None
    if not spec.get("page_id"):
        raise errors.invalid_param("param object_story_spec[page_id] is required")
    link_data = spec.get("link_data")
    if not isinstance(link_data, dict):
        raise errors.invalid_param("param object_story_spec[link_data] is required")
    if not link_data.get("link"):
        raise errors.invalid_param("param object_story_spec[link_data][link] is required")
    cta = link_data.get("call_to_action")
    if cta is not None:
        if not isinstance(cta, dict) or not cta.get("type"):
            raise errors.invalid_param("param call_to_action must be an object with a type")
        destination = (cta.get("value") or {}).get("app_destination")
        if cta["type"] == "MESSAGE_PAGE" and destination != "MESSENGER":
            raise errors.invalid_param(
                "call_to_action MESSAGE_PAGE needs value {app_destination: MESSENGER}"
            )
    return {"name": request.text("name") or "Creative", "object_story_spec": spec}


def is_messenger_creative(spec: dict[str, Any]) -> bool:
    """Whether a creative's call to action opens Messenger."""
    cta = (spec.get("link_data") or {}).get("call_to_action") or {}
    return cta.get("type") == "MESSAGE_PAGE"
