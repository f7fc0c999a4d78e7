"""Career-guidance Telegram bot for customer-support roles."""

__version__ = "0.1.0"
