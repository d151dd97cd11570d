"""``GET /{object-id}/insights`` for an ad, ad set, campaign or ad account.

One row per call (no breakdowns): the sum over the ads below the object, for ``date_preset``
(default ``last_30d``, which like Graph ends yesterday) or ``time_range={since,until}``. Graph
returns no row at all when nothing was delivered in the range.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from sandbox import errors
from sandbox.graph.ads import ads_reader
from sandbox.graph.context import CallContext
from sandbox.graph.pages import check_fields
from sandbox.graph.render import pick
from sandbox.graph.router import GraphRouter, Node
from sandbox.models import Ad, AdAccount, AdSet
from sandbox.services import ads, insights

INSIGHT_FIELDS = frozenset(
    {
        "impressions",
        "reach",
        "clicks",
        "spend",
        "cpm",
        "ctr",
        "cpc",
        "frequency",
        "actions",
        "cost_per_action_type",
        "date_start",
        "date_stop",
        "account_id",
        "account_currency",
        "campaign_id",
        "adset_id",
        "ad_id",
        "ad_name",
    }
)
DEFAULT_FIELDS = [
    "impressions",
    "reach",
    "clicks",
    "spend",
    "actions",
    "cost_per_action_type",
    "date_start",
    "date_stop",
]


def register(router: GraphRouter) -> None:
    """Register the insights edge on every ad object kind."""
    for kind in ("adaccount", "campaign", "adset", "ad"):
        router.edge(kind, "GET", "insights")(get_insights)


def _ads_under(ctx: CallContext, node: Node) -> list[Ad]:
    column = {
        "adaccount": Ad.account_id,
        "campaign": Ad.campaign_id,
        "adset": Ad.adset_id,
        "ad": Ad.id,
    }[node.kind]
    value = node.obj.id
    return list(ctx.session.scalars(select(Ad).where(column == value).order_by(Ad.id)))


def _window(ctx: CallContext, rows: list[Ad], account: AdAccount) -> insights.Window:
    request = ctx.request
    tz = insights.zone(account.timezone_name)
    time_range = request.obj("time_range")
    if time_range is not None:
        try:
            since = date.fromisoformat(str(time_range["since"]))
            until = date.fromisoformat(str(time_range["until"]))
        except (TypeError, KeyError, ValueError) as exc:
            raise errors.invalid_param(
                "param time_range must be {'since':'YYYY-MM-DD','until':'YYYY-MM-DD'}"
            ) from exc
        if until < since:
            raise errors.invalid_param("time_range until must not be before since")
        return insights.window_between(since, until, ctx.now_ms, tz)
    preset = request.text("date_preset") or "last_30d"
    if preset not in insights.PRESETS:
        raise errors.invalid_param(
            f"param date_preset must be one of {{{', '.join(insights.PRESETS)}}}"
        )
    starts = [s for s in (ads.first_delivery(ad) for ad in rows) if s is not None]
    return insights.window_for(preset, ctx.now_ms, tz, min(starts) if starts else None)


def get_insights(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """Return the object's figures for the requested range (``{"data":[row]}`` or empty)."""
    ads_reader(ctx)
    fields = [f for f in ctx.request.fields(DEFAULT_FIELDS) if f != "id"]  # rows have no id
    check_fields(fields, INSIGHT_FIELDS, "AdsInsights")
    rows = _ads_under(ctx, node)
    account_id = node.obj.id if node.kind == "adaccount" else node.obj.account_id
    account = ctx.session.get(AdAccount, account_id)
    assert account is not None
    window = _window(ctx, rows, account)
    total = insights.Figures()
    for ad in rows:
        adset = ctx.session.get(AdSet, ad.adset_id)
        assert adset is not None
        total.add(insights.ad_figures(ad, adset, window))
    if total.impressions == 0:
        return {"data": [], "paging": {"cursors": {"before": "MAZDZD", "after": "MAZDZD"}}}
    values: dict[str, Any] = insights.row(total)
    values.update(
        date_start=window.date_start.isoformat(),
        date_stop=window.date_stop.isoformat(),
        account_id=account.id,
        account_currency=account.currency,
    )
    if node.kind in ("campaign", "adset", "ad"):
        values["campaign_id"] = node.obj.campaign_id if node.kind != "campaign" else node.obj.id
    if node.kind in ("adset", "ad"):
        values["adset_id"] = node.obj.adset_id if node.kind == "ad" else node.obj.id
    if node.kind == "ad":
        values.update(ad_id=node.obj.id, ad_name=node.obj.name)
    return {
        "data": [pick(values, fields)],
        "paging": {"cursors": {"before": "MAZDZD", "after": "MAZDZD"}},
    }
