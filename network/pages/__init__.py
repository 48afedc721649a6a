"""Public pages: the movement, the seven actions, the code of conduct."""
