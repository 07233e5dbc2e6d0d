"""Channels that deliver notifications: email, Telegram, console; and message rendering."""
