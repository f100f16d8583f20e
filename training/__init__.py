"""Rebuilds the models Kutip ships (the answer reader) from the team's shared eval data."""
