"""Kutip's application: answer composition, rendering, the Telegram bot, terminal chat and CLI."""
