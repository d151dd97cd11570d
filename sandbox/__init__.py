"""The Meta sandbox: a local, faithful stand-in for Facebook's Graph API, Login dialog and webhooks.

Run it with ``python -m sandbox``; build it in-process with :func:`sandbox.app.create_sandbox_app`.
It never imports Herald (the ``app`` package): it plays Facebook's part only.

Map: ``graph/`` (Graph API: request parsing, token resolution, router, handlers, batch),
``login/`` (the HTML Login dialog), ``control/`` (the ``/_sandbox/`` control API),
``webhooks/`` (payloads, signatures, queue, dispatcher), ``services/`` (tokens, threads, people,
feed, faults, seeding), ``models/`` (SQLAlchemy tables), ``demo_data.py`` (the demo dataset).
New Graph endpoints register with the router through a module's ``register(router)``.

In a browser: ``/_sandbox/`` is an overview and ``/_sandbox/simulator`` the people simulator
(chat with a Page as a simulated person, comment on its posts, open m.me links, click ads).
m.me links work too: Herald's ``https://m.me/{username-or-page-id}?ref=...`` is served by the
sandbox as ``{sandbox}/m.me/{username-or-page-id}?ref=...`` and opens the simulator on that thread.
"""
