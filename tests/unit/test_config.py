from pathlib import Path

import pytest

from bot.config import (
    EXPECTED,
    CoreSettings,
    ServeSettings,
    Settings,
    SettingsError,
    load_settings,
)

GOOD_TOKEN = "123456789:AAEabcdefghijklmnopqrstuvwxyz_-012345"


def load(**env: str) -> Settings:
    return load_settings(Settings, _env_file=None, **env)


def test_defaults() -> None:
    s = load(bot_token=GOOD_TOKEN)
    assert s.api_base_url == "https://api.telegram.org"
    assert s.api_base_url == "https://api.telegram.org"
    assert s.database_path == Path("data/bot.sqlite3")
    assert s.admin_ids == frozenset()
    assert s.default_locale == "ru"
    assert s.timezone == "Europe/Moscow"
    assert s.log_level == "INFO"


def test_reads_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv("ADMIN_IDS", " 5, 7,,")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("DEFAULT_LOCALE", "EN")
    s = load_settings(Settings, _env_file=None)
    assert s.admin_ids == frozenset({5, 7})
    assert s.api_base_url == "http://127.0.0.1:8081"
    assert s.log_level == "DEBUG"
    assert s.default_locale == "en"


def test_reads_dotenv_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"BOT_TOKEN={GOOD_TOKEN}\nTIMEZONE=Asia/Yekaterinburg\n")
    s = load_settings(Settings, _env_file=env_file)
    assert s.timezone == "Asia/Yekaterinburg"
    assert s.tz.key == "Asia/Yekaterinburg"


@pytest.mark.parametrize(
    ("env", "variable", "problem"),
    [
        ({}, "BOT_TOKEN", "is not set"),
        ({"bot_token": "not-a-token"}, "BOT_TOKEN", "is invalid"),
        ({"admin_ids": "12,abc"}, "ADMIN_IDS", "is invalid"),
        ({"telegram_api_url": "ftp//nowhere"}, "TELEGRAM_API_URL", "is invalid"),
        ({"timezone": "Mars/Olympus"}, "TIMEZONE", "is invalid"),
        ({"default_locale": "de"}, "DEFAULT_LOCALE", "is invalid"),
        ({"log_level": "LOUD"}, "LOG_LEVEL", "is invalid"),
    ],
)
def test_bad_setting_names_the_variable(env: dict[str, str], variable: str, problem: str) -> None:
    values = {"bot_token": GOOD_TOKEN, **env}
    if not env:
        values.pop("bot_token")
    with pytest.raises(SettingsError) as caught:
        load(**values)
    assert len(caught.value.lines) == 1
    line = caught.value.lines[0]
    assert line.startswith(f"Configuration error: {variable} {problem}; expected ")
    assert "\n" not in line


def test_error_never_echoes_the_token() -> None:
    secret = "123:tooshort-but-secret"
    with pytest.raises(SettingsError) as caught:
        load(bot_token=secret)
    assert "tooshort-but-secret" not in str(caught.value)


def test_core_settings_need_no_token() -> None:
    s = load_settings(CoreSettings, _env_file=None, database_path="x/y.sqlite3")
    assert s.database_path == Path("x/y.sqlite3")


def test_tips_timing_accepts_seconds_and_iso_8601() -> None:
    s = load(
        bot_token=GOOD_TOKEN,
        tips_first_delay="PT0.5S",
        tips_interval="5",
        tips_window="0-24",
        tips_tick="PT0.2S",
        tips_grace="2",
    )
    assert s.tips_first_delay.total_seconds() == 0.5
    assert s.tips_interval.total_seconds() == 5
    assert str(s.tips_window) == "0-24"
    assert s.tips_tick.total_seconds() == 0.2


def test_tips_defaults() -> None:
    s = load(bot_token=GOOD_TOKEN)
    assert str(s.tips_window) == "10-20"
    assert s.tips_interval.days == 2
    assert s.tips_grace < s.tips_interval


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"tips_interval": "0"}, "TIPS_INTERVAL"),
        ({"tips_interval": "P1Y"}, "TIPS_INTERVAL"),
        ({"tips_window": "25-3"}, "TIPS_WINDOW"),
        ({"tips_tick": "-5"}, "TIPS_TICK"),
        ({"tips_count": "0"}, "TIPS_COUNT"),
        ({"send_rate": "0"}, "SEND_RATE"),
        ({"send_rate": "1001", "paid_broadcast": "true"}, "SEND_RATE"),
        ({"paid_broadcast": "maybe"}, "PAID_BROADCAST"),
    ],
)
def test_bad_tips_setting(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load(bot_token=GOOD_TOKEN, **env)
    assert caught.value.lines[0].startswith(f"Configuration error: {variable} is invalid")


def test_grace_must_be_shorter_than_the_interval() -> None:
    with pytest.raises(SettingsError) as caught:
        load(bot_token=GOOD_TOKEN, tips_interval="PT1H", tips_grace="PT2H")
    assert caught.value.lines == [
        "Configuration error: TIPS_GRACE must be shorter than TIPS_INTERVAL."
    ]


def test_send_rate_above_30_needs_paid_broadcast() -> None:
    with pytest.raises(SettingsError) as caught:
        load(bot_token=GOOD_TOKEN, send_rate="100")
    assert caught.value.lines == [
        "Configuration error: SEND_RATE above 30 needs PAID_BROADCAST=true (then up to 1000)."
    ]


def test_paid_broadcast_allows_up_to_1000_a_second() -> None:
    assert load(bot_token=GOOD_TOKEN).paid_broadcast is False
    s = load(bot_token=GOOD_TOKEN, send_rate="1000", paid_broadcast="true")
    assert s.paid_broadcast is True
    assert s.send_rate == 1000
    assert load(bot_token=GOOD_TOKEN, send_rate="30").send_rate == 30


WEBHOOK_SECRET = "s3cret-of-the-webhook_0123456789"


def test_polling_unless_a_webhook_url_is_set() -> None:
    s = load(bot_token=GOOD_TOKEN)
    assert s.webhook_url is None
    assert s.webhook_secret is None
    assert (s.webhook_host, s.webhook_port) == ("127.0.0.1", 8080)
    assert load(bot_token=GOOD_TOKEN, webhook_url="", webhook_secret="").webhook_url is None


def test_webhook_settings_and_the_path_from_the_url() -> None:
    s = load(
        bot_token=GOOD_TOKEN,
        webhook_url="https://bot.example.org/telegram/updates",
        webhook_secret=WEBHOOK_SECRET,
        webhook_host="0.0.0.0",
        webhook_port="8443",
    )
    assert s.webhook_path == "/telegram/updates"
    assert s.webhook_secret is not None
    assert s.webhook_secret.get_secret_value() == WEBHOOK_SECRET
    assert s.health_url == "http://127.0.0.1:8443/healthz"
    bare = load(
        bot_token=GOOD_TOKEN, webhook_url="https://bot.example.org", webhook_secret="x" * 16
    )
    assert bare.webhook_path == "/"


def test_health_needs_no_token() -> None:
    s = load_settings(ServeSettings, _env_file=None, webhook_host="::", webhook_port="9000")
    assert s.health_url == "http://[::1]:9000/healthz"


def test_a_webhook_without_a_secret_is_refused_in_one_line() -> None:
    with pytest.raises(SettingsError) as caught:
        load(bot_token=GOOD_TOKEN, webhook_url="https://bot.example.org/telegram")
    assert caught.value.lines == [
        "Configuration error: WEBHOOK_SECRET must be set when WEBHOOK_URL is set: 16 to 256"
        " characters of A-Z a-z 0-9 _ -, e.g. the output of `openssl rand -hex 32`."
    ]


def test_personal_data_defaults() -> None:
    s = load(bot_token=GOOD_TOKEN)
    assert s.data_retention.days == 730
    assert s.operator_name == ""
    assert s.privacy_policy_url is None
    assert s.privacy_unconfigured == ["OPERATOR_NAME", "OPERATOR_CONTACTS", "PRIVACY_POLICY_URL"]


def test_personal_data_settings_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv("OPERATOR_NAME", "  МГУ, центр карьеры ")
    monkeypatch.setenv("OPERATOR_CONTACTS", "privacy@example.edu")
    monkeypatch.setenv("PRIVACY_POLICY_URL", "https://example.edu/privacy")
    monkeypatch.setenv("DATA_RETENTION", "P365D")
    s = load_settings(Settings, _env_file=None)
    assert s.operator_name == "МГУ, центр карьеры"
    assert str(s.privacy_policy_url) == "https://example.edu/privacy"
    assert s.data_retention.days == 365
    assert s.privacy_unconfigured == []


def test_empty_policy_url_means_none() -> None:
    assert load(bot_token=GOOD_TOKEN, privacy_policy_url=" ").privacy_policy_url is None


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"webhook_secret": "short"}, "WEBHOOK_SECRET"),
        ({"webhook_secret": "has spaces in it, 0123456789"}, "WEBHOOK_SECRET"),
        ({"webhook_secret": "x" * 257}, "WEBHOOK_SECRET"),
        ({"webhook_url": "not a url"}, "WEBHOOK_URL"),
        ({"webhook_port": "0"}, "WEBHOOK_PORT"),
        ({"webhook_port": "65536"}, "WEBHOOK_PORT"),
    ],
)
def test_bad_webhook_setting(env: dict[str, str], variable: str) -> None:
    values = {"webhook_url": "https://bot.example.org/tg", "webhook_secret": WEBHOOK_SECRET}
    with pytest.raises(SettingsError) as caught:
        load(bot_token=GOOD_TOKEN, **{**values, **env})
    assert len(caught.value.lines) == 1
    assert caught.value.lines[0].startswith(f"Configuration error: {variable} is invalid")
    assert env.get("webhook_secret", "\0") not in caught.value.lines[0]


def test_the_webhook_cannot_take_the_health_checks_path() -> None:
    with pytest.raises(SettingsError) as caught:
        load(
            bot_token=GOOD_TOKEN,
            webhook_url="https://bot.example.org/healthz",
            webhook_secret=WEBHOOK_SECRET,
        )
    assert "cannot be /healthz" in caught.value.lines[0]


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented(field: str) -> None:
    """A row in the README's settings table, a line in .env.example, an error text."""
    root = Path(__file__).resolve().parents[2]
    variable = field.upper()
    assert f"| `{variable}` |" in (root / "README.md").read_text(encoding="utf-8")
    env_example = (root / ".env.example").read_text(encoding="utf-8").splitlines()
    assert any(line.startswith(f"{variable}=") for line in env_example)
    assert variable in EXPECTED


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"data_retention": "P2Y"}, "DATA_RETENTION"),
        ({"data_retention": "0"}, "DATA_RETENTION"),
        ({"privacy_policy_url": "not a url"}, "PRIVACY_POLICY_URL"),
        ({"operator_name": "x" * 201}, "OPERATOR_NAME"),
    ],
)
def test_bad_personal_data_setting(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load(bot_token=GOOD_TOKEN, **env)
    assert caught.value.lines[0].startswith(f"Configuration error: {variable} is invalid")
