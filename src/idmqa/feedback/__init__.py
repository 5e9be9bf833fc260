"""Visitors' votes on answers: stored in SQLite, exported as evaluation candidates."""
