"""Settings: every knob of the bot, read once from the environment and `.env`.

The settings object is built at start-up and handed down; nothing imports it as a
global. A bad value stops start-up with one line naming the variable (see
`settings_error_lines`), never with a traceback and never echoing the token.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AnyHttpUrl,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.content import LOCALES as LOCALES  # re-exported: handlers and i18n read it here
from bot.tips.planner import DEFAULT_WINDOW, Window, parse_duration

TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")
WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
"""Telegram takes 1-256 of these characters as a webhook's secret_token; fewer than 16
would be guessable, so they are refused."""
HEALTH_PATH = "/healthz"
"""Where the webhook server answers health checks (never proxied to the internet)."""
HEALTH_TIMEOUT_SECONDS = 5.0
"""How long the database may take to answer a health check."""
Locale = Literal["ru", "en"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

OFFICIAL_API_URL = "https://api.telegram.org"
FREE_SEND_RATE = 30.0
"""Messages per second Telegram allows a bot for free (to different chats)."""
PAID_SEND_RATE = 1000.0
"""The ceiling with paid broadcasts (`allow_paid_broadcast`, charged in Telegram Stars)."""

# What each variable expects, in words a deployer understands; used in error lines.
EXPECTED: dict[str, str] = {
    "BOT_TOKEN": "the token from @BotFather, like 123456789:AAE... (digits, a colon, 20+ chars)",
    "TELEGRAM_API_URL": "an http(s) URL of a Bot API server, e.g. https://api.telegram.org",
    "DATABASE_PATH": "a file path for the SQLite database, e.g. data/bot.sqlite3",
    "CONTENT_DIR": "an existing folder of content files (a quiz and tips.yaml), "
    "or empty for the content shipped with the bot",
    "ADMIN_IDS": "comma-separated numeric Telegram user ids, e.g. 12345,67890",
    "DEFAULT_LOCALE": "one of: " + ", ".join(LOCALES),
    "TIMEZONE": "an IANA time zone name, e.g. Europe/Moscow",
    "LOG_LEVEL": "one of: DEBUG, INFO, WARNING, ERROR, CRITICAL",
    "TIPS_FIRST_DELAY": "a duration: seconds (600) or ISO 8601 (PT10M)",
    "TIPS_INTERVAL": "a positive duration: seconds (172800) or ISO 8601 (P2D)",
    "TIPS_WINDOW": "local hours start-end, e.g. 10-20 (0-24 = any time, 22-6 overnight)",
    "TIPS_TICK": "a positive duration: seconds (60) or ISO 8601 (PT1M)",
    "TIPS_GRACE": "a duration shorter than TIPS_INTERVAL, e.g. PT12H",
    "TIPS_COUNT": "a whole number of tips in a series, 1 to 100",
    "QUIZ_REMINDER_DELAY": "a duration, e.g. P1D (0 turns the reminder off)",
    "SEND_RATE": "messages per second for tips and broadcasts, above 0 and at most 30 "
    "(1000 with PAID_BROADCAST=true), e.g. 25",
    "PAID_BROADCAST": "true or false (send above 30 messages a second, paid in Telegram Stars)",
    "INVITE_TTL": "a positive duration an invite link stays valid, e.g. P7D",
    "STATS_MIN_GROUP": "a whole number of students, 2 to 100 (10 is usual)",
    "WEBHOOK_URL": "the public https URL Telegram sends updates to, e.g. "
    "https://bot.example.org/telegram, or empty for long polling",
    "WEBHOOK_HOST": "the address the webhook server listens on, e.g. 127.0.0.1 or 0.0.0.0",
    "WEBHOOK_PORT": "a TCP port from 1 to 65535 for the webhook server, e.g. 8080",
    "WEBHOOK_SECRET": "16 to 256 characters of A-Z a-z 0-9 _ -, e.g. the output of "
    "`openssl rand -hex 32`",
    "OPERATOR_NAME": "the name of the personal data operator (the university or centre), "
    "at most 200 characters",
    "OPERATOR_CONTACTS": "how students reach the operator about their data "
    "(an e-mail, a phone), at most 300 characters",
    "PRIVACY_POLICY_URL": "an http(s) URL of the full personal data policy, or empty",
    "DATA_RETENTION": "a positive duration after which an inactive student's data is "
    "deleted, e.g. P730D (two years; years and months are not accepted)",
}


def _blank_is_unset(value: Any) -> Any:
    """An empty (or blank) variable leaves an optional setting unset, as in `.env.example`."""
    return None if isinstance(value, str) and not value.strip() else value


BLANK_IS_UNSET = BeforeValidator(_blank_is_unset)


class CoreSettings(BaseSettings):
    """What every command needs, including those that never talk to Telegram (migrate).

    Field names map to upper-case environment variables.
    """

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        hide_input_in_errors=True,
    )

    database_path: Path = Path("data/bot.sqlite3")
    content_dir: Annotated[Path | None, BLANK_IS_UNSET] = None
    """Folder of content files (quizzes, tips); None = the content shipped in the package."""
    default_locale: Locale = "ru"
    timezone: str = "Europe/Moscow"
    log_level: LogLevel = "INFO"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("unknown time zone") from exc
        return value

    @field_validator("content_dir")
    @classmethod
    def _existing_folder(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError("not a folder")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("default_locale", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class ServeSettings(CoreSettings):
    """How `careerbot run` gets its updates: long polling, or a webhook when WEBHOOK_URL
    is set. `careerbot health` reads these too, without needing the token."""

    webhook_url: Annotated[AnyHttpUrl | None, BLANK_IS_UNSET] = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    webhook_secret: Annotated[SecretStr | None, BLANK_IS_UNSET] = None
    """Telegram sends it in every request's X-Telegram-Bot-Api-Secret-Token header; a
    request without it is refused (401). Never logged."""

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET_RE.fullmatch(value.get_secret_value()):
            raise ValueError("malformed webhook secret")
        return value

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> ServeSettings:
        if self.webhook_url is None:
            return self
        if self.webhook_secret is None:
            raise ValueError(
                "WEBHOOK_SECRET must be set when WEBHOOK_URL is set: " + EXPECTED["WEBHOOK_SECRET"]
            )
        if self.webhook_path == HEALTH_PATH:
            raise ValueError(
                f"WEBHOOK_URL's path cannot be {HEALTH_PATH}: the health check uses it"
            )
        return self

    @property
    def webhook_path(self) -> str:
        """The path of WEBHOOK_URL, where the webhook server takes Telegram's requests."""
        return (self.webhook_url.path if self.webhook_url else None) or "/"

    @property
    def health_url(self) -> str:
        """Where this machine reaches the webhook server's health check."""
        host = self.webhook_host
        if host in ("", "0.0.0.0"):  # noqa: S104 - any address: this machine is one of them
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.webhook_port}{HEALTH_PATH}"


class Settings(ServeSettings):
    """The full configuration of the running bot."""

    bot_token: SecretStr
    telegram_api_url: AnyHttpUrl = Field(default=AnyHttpUrl(OFFICIAL_API_URL))
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()

    # Learning tips and reminders (see bot/tips/planner.py for the rules).
    tips_first_delay: Annotated[timedelta, NoDecode] = timedelta(minutes=10)
    tips_interval: Annotated[timedelta, NoDecode] = timedelta(days=2)
    tips_window: Annotated[Window, NoDecode] = DEFAULT_WINDOW
    tips_tick: Annotated[timedelta, NoDecode] = timedelta(minutes=1)
    tips_grace: Annotated[timedelta, NoDecode] = timedelta(hours=12)
    tips_count: int = Field(default=10, ge=1, le=100)
    quiz_reminder_delay: Annotated[timedelta, NoDecode] = timedelta(days=1)
    send_rate: float = Field(default=25.0, gt=0, le=PAID_SEND_RATE)
    paid_broadcast: bool = False
    """Broadcasts may be sent with `allow_paid_broadcast` (Telegram charges Stars), which
    lets SEND_RATE go above the free 30 a second. Tips and reminders never pay."""

    # Career centres.
    invite_ttl: Annotated[timedelta, NoDecode] = timedelta(days=7)
    stats_min_group: int = Field(default=10, ge=2, le=100)
    """Numbers computed from fewer students than this are hidden in every staff view."""

    # Personal data (152-ФЗ): who processes it, where the policy is, how long it is kept.
    operator_name: str = Field(default="", max_length=200)
    operator_contacts: str = Field(default="", max_length=300)
    privacy_policy_url: Annotated[AnyHttpUrl | None, BLANK_IS_UNSET] = None
    data_retention: Annotated[timedelta, NoDecode] = timedelta(days=730)
    """A student inactive for longer than this is deleted by the daily retention job."""

    @field_validator("tips_first_delay", "tips_grace", "quiz_reminder_delay", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return parse_duration(str(value)) if isinstance(value, str | int) else value

    @field_validator("operator_name", "operator_contacts", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("tips_interval", "tips_tick", "invite_ttl", "data_retention", mode="before")
    @classmethod
    def _positive_duration(cls, value: Any) -> Any:
        if isinstance(value, str | int):
            return parse_duration(str(value), allow_zero=False)
        return value

    @field_validator("tips_window", mode="before")
    @classmethod
    def _window(cls, value: Any) -> Any:
        return Window.parse(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _grace_below_interval(self) -> Settings:
        if self.tips_grace >= self.tips_interval:
            raise ValueError("TIPS_GRACE must be shorter than TIPS_INTERVAL")
        return self

    @model_validator(mode="after")
    def _free_rate_unless_paid(self) -> Settings:
        if self.send_rate > FREE_SEND_RATE and not self.paid_broadcast:
            raise ValueError(
                f"SEND_RATE above {FREE_SEND_RATE:g} needs PAID_BROADCAST=true"
                f" (then up to {PAID_SEND_RATE:g})"
            )
        return self

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if not TOKEN_RE.fullmatch(token):
            raise ValueError("malformed token")
        return SecretStr(token)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",")]
            return frozenset(int(part) for part in parts if part)
        return value

    @property
    def privacy_unconfigured(self) -> list[str]:
        """The personal data settings a deployment before students must still set."""
        values = {
            "OPERATOR_NAME": self.operator_name,
            "OPERATOR_CONTACTS": self.operator_contacts,
            "PRIVACY_POLICY_URL": self.privacy_policy_url,
        }
        return [name for name, value in values.items() if not value]

    @property
    def api_base_url(self) -> str:
        return str(self.telegram_api_url).rstrip("/")


S = TypeVar("S", bound=CoreSettings)


class SettingsError(Exception):
    """Start-up cannot go on: the lines say which variables are wrong and what they expect."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def settings_error_lines(error: ValidationError) -> list[str]:
    """One line per bad variable, naming it and what it expects, without its value."""
    lines: list[str] = []
    seen: set[str] = set()
    for item in error.errors(include_input=False, include_url=False):
        if not item["loc"]:  # a rule across variables: its message names them
            reason = item.get("ctx", {}).get("error", item["msg"])
            lines.append(f"Configuration error: {reason}.")
            continue
        field = str(item["loc"][0])
        var = field.upper()
        if var in seen:
            continue
        seen.add(var)
        expected = EXPECTED.get(var, "a valid value")
        if item["type"] == "missing":
            lines.append(f"Configuration error: {var} is not set; expected {expected}.")
        else:
            lines.append(f"Configuration error: {var} is invalid; expected {expected}.")
    return lines


def load_settings(cls: type[S], **overrides: Any) -> S:
    """Read settings from the environment and `.env`; raise SettingsError on any bad value."""
    try:
        return cls(**overrides)
    except ValidationError as exc:
        raise SettingsError(settings_error_lines(exc)) from None
