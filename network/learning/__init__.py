"""The learning loop: what happened after each action, and norm-message experiments."""
