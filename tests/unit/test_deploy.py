"""The deployment files agree with the bot: read as their tools read them, checked against
the code's own numbers and commands. (Docker itself is not needed to run these.)"""

from __future__ import annotations

import configparser
import re
import shlex
import tomllib
from pathlib import Path, PurePosixPath

import pytest
import yaml

from bot.__main__ import _parser
from bot.app import LONGEST_SHUTDOWN_SECONDS
from bot.config import HEALTH_PATH

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read_string((DEPLOY / name).read_text(encoding="utf-8"))
    return parser


def seconds(value: str) -> float:
    """A systemd or compose duration: 40, 40s, 1min 30s, 1m30s."""
    units = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", value)
    assert parts, value
    return sum(float(number) * units[unit] for number, unit in parts)


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    found = []
    for line in lines:
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def instructions(name: str) -> list[str]:
    return [rest for word, rest in dockerfile() if word == name]


def env() -> dict[str, str]:
    values: dict[str, str] = {}
    for rest in instructions("ENV"):
        values.update(token.split("=", 1) for token in shlex.split(rest))  # type: ignore[misc]
    return values


def exec_form(rest: str) -> list[str]:
    found = yaml.safe_load(rest)  # a JSON array is YAML too
    assert isinstance(found, list), f"not the exec form: {rest}"
    return [str(item) for item in found]


def test_the_systemd_unit_waits_longer_than_the_bot_takes_to_stop() -> None:
    service = unit("careerbot.service")["Service"]
    assert seconds(service["TimeoutStopSec"]) > LONGEST_SHUTDOWN_SECONDS
    assert service.get("KillSignal", "SIGTERM") == "SIGTERM"
    assert service["User"] not in ("root", "0")
    program, *args = service["ExecStart"].split()
    assert program.endswith("/careerbot")
    assert _parser().parse_args(args).command == "run"
    assert "2" in service["RestartPreventExitStatus"].split()  # a bad setting: no loop


def test_the_backup_timer_runs_the_backup_command() -> None:
    service = unit("careerbot-backup.service")["Service"]
    argv = service["ExecStart"].split()
    assert argv[0].endswith("/careerbot")
    assert _parser().parse_args(argv[1:]).command == "backup"
    assert service["User"] == unit("careerbot.service")["Service"]["User"]
    timer = unit("careerbot-backup.timer")
    assert timer["Timer"]["OnCalendar"]
    assert timer["Timer"]["Persistent"] == "true"


def test_the_image_runs_as_a_user_with_the_database_on_a_volume() -> None:
    assert instructions("FROM") == ["python:3.11-slim"]
    (user,) = instructions("USER")
    assert user.split(":")[0] not in ("root", "0")
    assert any("--require-hashes -r requirements.lock" in run for run in instructions("RUN"))
    database = PurePosixPath(env()["DATABASE_PATH"])
    volumes = [v for rest in instructions("VOLUME") for v in exec_form(rest)]
    assert str(database.parent) in volumes
    assert env()["WEBHOOK_HOST"] == "0.0.0.0"


def test_the_image_starts_a_real_command_and_checks_its_health_with_one() -> None:
    (entrypoint,) = instructions("ENTRYPOINT")
    (cmd,) = instructions("CMD")
    argv = exec_form(entrypoint) + exec_form(cmd)
    assert argv[0] == "careerbot"
    assert _parser().parse_args(argv[1:]).command == "run"
    (healthcheck,) = instructions("HEALTHCHECK")
    options, _, command = healthcheck.partition("CMD ")
    assert exec_form(command) == ["careerbot", "health"]
    timeout = re.search(r"--timeout=(\S+)", options)
    assert timeout is not None
    assert seconds(timeout.group(1)) > 10  # the health command's own limit


def test_compose_keeps_the_data_and_waits_for_the_bot_to_stop() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    bot = compose["services"]["bot"]
    assert seconds(bot["stop_grace_period"]) > LONGEST_SHUTDOWN_SECONDS
    database = PurePosixPath(env()["DATABASE_PATH"])
    assert f"data:{database.parent}" in bot["volumes"]
    assert "data" in compose["volumes"]
    assert "ports" not in bot  # only the proxy faces the internet
    for name in ("DATABASE_PATH", "WEBHOOK_HOST", "WEBHOOK_PORT"):  # .env cannot move them
        assert str(bot["environment"][name]) == env()[name]
    caddy = compose["services"]["caddy"]
    assert caddy["profiles"] == ["webhook"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]


def test_the_proxy_passes_the_webhook_to_the_bot_but_not_the_health_check() -> None:
    caddyfile = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    port = env()["WEBHOOK_PORT"]
    assert f"reverse_proxy bot:{port}" in caddyfile
    assert f"respond {HEALTH_PATH} 404" in caddyfile


@pytest.mark.parametrize("name", [".env", ".venv/", "data/", ".git/", "*.sqlite3"])
def test_secrets_and_data_never_reach_the_image(name: str) -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert name in ignored


def test_the_image_copies_what_the_package_needs() -> None:
    copied = {rest.split()[0] for rest in instructions("COPY")}
    assert {"pyproject.toml", "bot", "handlers", "quizzes", "migrations"} <= copied


def test_the_image_drops_the_development_tools_the_lock_pins() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    dev = {
        re.split(r"[<>=!~\[ ]", spec)[0]
        for spec in project["project"]["optional-dependencies"]["dev"]
    }
    uninstalled = {
        word
        for run in instructions("RUN")
        for part in run.split("&&")
        if "pip uninstall" in part
        for word in part.split()
        if not word.startswith("-") and word not in ("pip", "uninstall")
    }
    assert uninstalled == dev - {"setuptools"}
