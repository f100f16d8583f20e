"""The Telegram side of the bot: the application, its handlers, buttons, delivery and HTML rendering."""
