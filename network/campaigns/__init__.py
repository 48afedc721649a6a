"""Campaigns: organisers launch focused movements (like #DatMeenJeNiet) that members join."""
