"""The Zalo adapter of the conversation: typed commands with numbered tasks, getUpdates long polling,
replies through the Zalo notifier, and the numbering hints reminders sent on Zalo carry."""
