"""Teams: circles of people who know each other (a class, a club)."""
