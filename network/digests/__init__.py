"""Digests: show members, honestly, how many peers acted."""
