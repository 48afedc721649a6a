"""Reaching members where they are: Web Push, personal asks by email, group chats (Apprise)."""
