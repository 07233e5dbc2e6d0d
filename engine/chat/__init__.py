"""Two-way conversation with officers, the same on every chat app (conversation.py and its
handlers), with one adapter per app: telegram/ (buttons, edits) and zalo/ (typed commands)."""
