"""Webhooks: payload builders, signatures, the event queue and the delivering dispatcher."""
