"""The CSV of statistics exports, read back the way Excel and the csv module read it."""

from __future__ import annotations

import csv
import io

import pytest

from bot.stats import to_csv
from bot.stats.table import format_float


def read_back(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_a_table_round_trips_with_a_bom_semicolons_and_crlf() -> None:
    data = to_csv(
        [
            ["Вопрос", "Дошли", "Ответили", "Доля"],
            ["q1; «первый»", 50, None, 0.94],
            ['say "hi"\nthen go', 12, 12, 100.0],
        ],
        hidden="<10",
    )
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 3  # the line break inside a field stays a bare \n
    assert data.endswith(b"\r\n")
    assert b"\xd0\x92\xd0\xbe\xd0\xbf\xd1\x80\xd0\xbe\xd1\x81" in data  # "Вопрос" in UTF-8
    assert read_back(data) == [
        ["Вопрос", "Дошли", "Ответили", "Доля"],
        ["q1; «первый»", "50", "<10", "0,9"],
        ['say "hi"\nthen go', "12", "12", "100"],
    ]


def test_fields_are_quoted_only_when_needed() -> None:
    data = to_csv([["plain", "semi;colon", 'a "quote"', None, 3]], hidden="<10")
    assert data == '\ufeffplain;"semi;colon";"a ""quote""";<10;3\r\n'.encode()


def test_no_rows_is_a_bom_alone() -> None:
    assert to_csv([], hidden="<10") == b"\xef\xbb\xbf"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2.25, "2,3"),  # half up
        (2.24, "2,2"),
        (0.15, "0,2"),  # as printed, although the binary value is just below 0.15
        (2.0, "2"),
        (2.04, "2"),
        (2.96, "3"),
        (33.333, "33,3"),
        (-2.25, "-2,3"),  # half away from zero
        (-0.04, "0"),
        (1e20, "100000000000000000000"),
    ],
)
def test_floats_have_one_decimal_at_most_and_a_comma(value: float, text: str) -> None:
    assert format_float(value) == text
    assert read_back(to_csv([[value]], hidden="-")) == [[text]]


def test_ints_are_written_as_they_are() -> None:
    assert read_back(to_csv([[0, 7, -3, 1234567]], hidden="-")) == [["0", "7", "-3", "1234567"]]


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ('=HYPERLINK("http://example.com","Центр")', '\'=HYPERLINK("http://example.com","Центр")'),
        ("-5 group", "'-5 group"),
        ("+7 999 000-00-00", "'+7 999 000-00-00"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("a = b - c", "a = b - c"),  # only the first character counts
        ("'quoted", "'quoted"),
        ("", ""),
    ],
)
def test_text_a_spreadsheet_would_run_as_a_formula_gets_a_quote(text: str, written: str) -> None:
    assert read_back(to_csv([[text]], hidden="<10")) == [[written]]


def test_numbers_and_the_hidden_text_are_not_quoted() -> None:
    rows = read_back(to_csv([[-5, -2.5, None, "-5 group"]], hidden="-"))
    assert rows == [["-5", "-2,5", "-", "'-5 group"]]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_numbers_that_are_not_finite_are_refused(value: float) -> None:
    with pytest.raises(ValueError, match="cannot export"):
        to_csv([[value]], hidden="-")
