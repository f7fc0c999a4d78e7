import pytest

from bot.deeplinks import parse_start_payload


@pytest.mark.parametrize("payload", ["centre_42", "a", "A-b_9", "x" * 64])
def test_accepts_what_telegram_can_send(payload: str) -> None:
    assert parse_start_payload(payload) == payload


@pytest.mark.parametrize(
    "payload",
    [None, "", "   ", "x" * 65, "has space", "кириллица", "semi;colon", "<script>", "a/b"],
)
def test_ignores_malformed(payload: str | None) -> None:
    assert parse_start_payload(payload) is None
