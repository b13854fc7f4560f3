"""Placeholder, replaced by the details editor."""
