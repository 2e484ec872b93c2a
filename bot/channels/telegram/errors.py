"""The error that stops the start of a wrongly configured Telegram channel."""


class TelegramSetupError(RuntimeError):
    """Telegram is configured wrongly; the service must not start half-working."""
