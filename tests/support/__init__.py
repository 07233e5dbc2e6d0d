"""Helpers the tests share: paths, the database snapshot, the two worlds (rules and bot)."""
