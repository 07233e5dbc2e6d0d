"""The Telegram adapter of the conversation: the bot (long polling, inline buttons, HTML, edits),
button presses, and what reminders sent on Telegram carry (buttons, the message kept for edits)."""
