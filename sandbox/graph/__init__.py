"""The Graph API: request parsing, token resolution, routing, handlers and batch."""
