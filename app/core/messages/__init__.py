"""The message log shared by every feature (live chat, broadcasts, the subscriber timeline)."""
