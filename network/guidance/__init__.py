"""Guidance: guides for the seven actions, message templates, report helpers and practice."""
