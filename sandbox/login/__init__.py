"""The Facebook Login dialog (``/dialog/oauth``): a real sign-in and consent flow in HTML."""

from sandbox.login.views import bp

__all__ = ["bp"]
