import logging

from bot.logs import MASK, QUOTING_LOGGERS, RedactingFormatter, setup_logging

TOKEN = "123456:SECRET-part-of-the-token-xyz"


def record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("t", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_masks_token_in_message_args_and_tracebacks() -> None:
    fmt = RedactingFormatter([TOKEN], "%(message)s")
    try:
        raise RuntimeError(f"GET https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError as exc:
        text = fmt.format(record("calling %s", f"/bot{TOKEN}/getMe", exc=exc))
    assert "SECRET-part-of-the-token-xyz" not in text
    assert MASK in text
    assert "RuntimeError" in text


def test_masks_the_secret_half_alone() -> None:
    fmt = RedactingFormatter([TOKEN], "%(message)s")
    text = fmt.format(record("leaked %s", "SECRET-part-of-the-token-xyz"))
    assert text == f"leaked {MASK}"


def test_leaves_other_text_alone() -> None:
    fmt = RedactingFormatter([TOKEN], "%(message)s")
    assert fmt.format(record("bot id %d started", 123456)) == "bot id 123456 started"


def test_masks_the_webhook_secret_by_its_name() -> None:
    secret = "webhook-secret-0123456789abcdef"
    fmt = RedactingFormatter([TOKEN], "%(message)s", named={"WEBHOOK_SECRET": secret})
    text = fmt.format(record("header was %s, token %s", secret, TOKEN))
    assert text == "header was <WEBHOOK_SECRET>, token <BOT_TOKEN>"


def test_debug_logging_never_quotes_the_database_parameters() -> None:
    """aiosqlite logs every statement with its parameters at DEBUG: names, messages."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        setup_logging("DEBUG")
        assert logging.getLogger("bot").isEnabledFor(logging.DEBUG)
        for name in QUOTING_LOGGERS:
            assert not logging.getLogger(name).isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("aiosqlite").isEnabledFor(logging.DEBUG)
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
