"""One fake per external service, each at one seam: SMTP (aiosmtpd on loopback) and the
Telegram Bot API (a local HTTP server that python-telegram-bot reaches through base_url)."""
