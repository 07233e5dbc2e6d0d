"""Two-way Telegram: linking chats to people, commands, and buttons on reminders."""
