"""The sandbox control API under ``/_sandbox/``: one blueprint per area."""

from __future__ import annotations

from flask import Blueprint

from sandbox.control import admin, ads, entities, feed, inspect, people, simulator


def blueprints() -> list[Blueprint]:
    """Return the control API blueprints."""
    return [
        entities.bp,
        people.bp,
        feed.bp,
        ads.bp,
        inspect.bp,
        admin.bp,
        simulator.bp,
        simulator.mme_bp,
    ]
