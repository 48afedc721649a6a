"""Coordination: claims of upstander actions, what alerts still need, personal asks."""
