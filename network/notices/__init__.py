"""In-app notices to one member: their alert was approved or rejected, and more to come."""
