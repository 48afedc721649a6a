"""Alerts: hurtful threads reported by members, triaged before they reach the feed."""
