"""Impact pages for organisers: what the network achieved in a period, and what works."""
