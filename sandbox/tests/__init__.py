"""Tests of the Meta sandbox."""
