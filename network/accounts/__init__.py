"""Members joining the movement: sign-up, login, profile, preferences and access tokens."""
