"""Moderation: the review queue, trust levels and the append-only audit log."""
