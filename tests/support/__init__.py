"""Helpers the fixtures use: private servers, processes, databases."""
