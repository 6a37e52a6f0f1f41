"""Homeward: a chat and SMS assistant that routes deported people to lawyers who can help."""
