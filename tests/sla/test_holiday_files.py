"""The holiday file parser: good files load, every mistake names the file and the line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tracker.sla import ChinaCalendar, HolidayFileError
from tracker.sla.calendar import default_holidays_dir
from tracker.sla.holiday_files import load_holiday_dir, parse_holiday_file

GOOD = """\
# 国务院办公厅关于2030年部分节假日安排的通知 (a made-up year for tests)
year: 2030
notice: 国务院办公厅关于2030年部分节假日安排的通知
source: 国办发明电〔2029〕1号

off  2030-01-01             元旦
off  2030-02-02..2030-02-08 春节
work 2030-01-26             春节调休上班
work 2030-02-09
"""


def write(tmp_path: Path, text: str, name: str = "2030.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_parses(tmp_path: Path) -> None:
    parsed = parse_holiday_file(write(tmp_path, GOOD))
    assert parsed.year == 2030
    assert parsed.notice == "国务院办公厅关于2030年部分节假日安排的通知"
    assert parsed.source == "国办发明电〔2029〕1号"
    assert len(parsed.days_off) == 8
    assert parsed.days_off[date(2030, 2, 5)] == "春节"
    assert parsed.working_days == {date(2030, 1, 26): "春节调休上班", date(2030, 2, 9): "调休上班"}


def test_full_width_colon_and_bom_are_accepted(tmp_path: Path) -> None:
    text = GOOD.replace("notice:", "notice：")
    path = tmp_path / "2030.txt"
    path.write_bytes(text.encode("utf-8-sig"))
    assert parse_holiday_file(path).notice.startswith("国务院办公厅")


def test_calendar_uses_a_new_file_without_code_changes(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    calendar = ChinaCalendar(holidays_dir=tmp_path, first_year=2029, last_year=2031)
    assert not calendar.is_provisional_year(2030)
    assert calendar.is_provisional_year(2031)
    assert calendar.source_of(2030) == "国务院办公厅关于2030年部分节假日安排的通知"
    assert calendar.day_kind(date(2030, 1, 26)) == "makeup_working"  # a Saturday
    assert calendar.day_kind(date(2030, 2, 4)) == "holiday"


def test_shipped_files_are_valid() -> None:
    files = load_holiday_dir(default_holidays_dir())
    assert sorted(files) == list(range(2018, 2027))
    assert all(f.notice.endswith("部分节假日安排的通知") for f in files.values())


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        # missing notice: reported at the first day, where the header should have come before
        (GOOD.replace("notice: 国务院办公厅关于2030年部分节假日安排的通知\n", ""), 5, "notice"),
        (GOOD.replace("year: 2030\n", ""), 5, "year"),
        (GOOD.replace("year: 2030", "year: 2031"), 2, "does not match the file name"),
        (GOOD.replace("2030-02-02..2030-02-08", "2030-02-30"), 7, "bad date '2030-02-30'"),
        (GOOD.replace("2030-02-02..2030-02-08", "2030/02/02"), 7, "YYYY-MM-DD"),
        (GOOD.replace("off  2030-01-01", "off  2031-01-01"), 6, "outside the file's year 2030"),
        (GOOD.replace("2030-02-02..2030-02-08", "2030-02-08..2030-02-02"), 7, "ends before"),
        (GOOD + "off 2030-02-09 春节\n", 10, "both a day off and a working day (see line 9)"),
        (GOOD + "off 2030-01-01 元旦\n", 10, "already listed on line 6"),
        (GOOD + "work 2030-03-04\n", 10, "Monday"),
        (GOOD + "holiday 2030-05-01\n", 10, "cannot read"),
        (GOOD + "off 2030-05-01\n", 10, "needs a name"),
        (GOOD.replace("source:", "sauce:"), 4, "unknown header 'sauce'"),
        (GOOD + "notice: again\n", 10, "must come before the days"),
        ("# nothing yet\nyear: 2030\nnotice: 通知\n", 3, "empty"),
    ],
)
def test_malformed_file_names_file_and_line(
    tmp_path: Path, text: str, line: int, problem: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(HolidayFileError) as info:
        parse_holiday_file(path)
    message = str(info.value)
    assert str(path) in message
    assert f"line {line}:" in message
    assert problem in message
    assert info.value.line == line
    assert isinstance(info.value, ValueError)


def test_file_name_must_be_the_year(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD, name="holidays-2030.txt")
    with pytest.raises(HolidayFileError, match=r"holidays-2030\.txt, line 1: .*2027\.txt"):
        parse_holiday_file(path)


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "2030.txt"
    path.write_bytes(GOOD.encode("gbk"))  # saved in the legacy Chinese encoding
    with pytest.raises(HolidayFileError, match=r"line 1: not UTF-8"):
        parse_holiday_file(path)


def test_calendar_refuses_a_malformed_file(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("2030-01-01", "2030-13-01"))
    with pytest.raises(HolidayFileError, match=r"2030\.txt, line 6: bad date"):
        ChinaCalendar(holidays_dir=tmp_path)


def test_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="holiday directory not found"):
        ChinaCalendar(holidays_dir=tmp_path / "nope")


def test_an_amending_notice_replaces_days_and_is_their_source(tmp_path: Path) -> None:
    text = GOOD + (
        "\namended: 国务院办公厅关于调整2030年春节假期的通知（国办发明电〔2030〕1号）\n"
        "off  2030-02-09..2030-02-10 春节（延长）\n"
    )
    parsed = parse_holiday_file(write(tmp_path, text))
    assert date(2030, 2, 9) in parsed.days_off and date(2030, 2, 9) not in parsed.working_days
    assert parsed.sources[date(2030, 2, 9)] == (
        "国务院办公厅关于调整2030年春节假期的通知（国办发明电〔2030〕1号）")
    assert parsed.sources[date(2030, 2, 2)] == (
        "国务院办公厅关于2030年部分节假日安排的通知（国办发明电〔2029〕1号）")
    assert parsed.amendments == ("国务院办公厅关于调整2030年春节假期的通知（国办发明电〔2030〕1号）",)
    # within the amendment a day is still listed once only
    twice = text + "off 2030-02-10 春节\n"
    with pytest.raises(HolidayFileError, match="already listed"):
        parse_holiday_file(write(tmp_path, twice))
    with pytest.raises(HolidayFileError, match="comes after the days"):
        parse_holiday_file(write(tmp_path, GOOD.replace("year: 2030", "amended: x\nyear: 2030")))


def test_a_notice_may_arrange_the_december_before(tmp_path: Path) -> None:
    text = GOOD + "off  2029-12-30..2029-12-31 元旦\n"
    parsed = parse_holiday_file(write(tmp_path, text))
    assert parsed.days_off[date(2029, 12, 31)] == "元旦"
    with pytest.raises(HolidayFileError, match="outside the file's year"):
        parse_holiday_file(write(tmp_path, GOOD + "off 2029-11-30 元旦\n"))
    # the same day in two files is refused
    write(tmp_path, GOOD + "off  2029-12-31 元旦\n")
    (tmp_path / "2029.txt").write_text(
        "year: 2029\nnotice: 国务院办公厅关于2029年部分节假日安排的通知\noff 2029-12-31 元旦\n",
        encoding="utf-8")
    with pytest.raises(ValueError, match="listed in both 2029.txt and 2030.txt"):
        ChinaCalendar(holidays_dir=tmp_path, first_year=2029, last_year=2031)


def test_the_holiday_files_ship_inside_the_package() -> None:
    from configparser import ConfigParser

    config = ConfigParser()
    config.read(Path(__file__).resolve().parents[2] / "setup.cfg")
    assert "sla/holidays/*.txt" in config["options.package_data"]["tracker"]
    assert default_holidays_dir() == Path(__file__).resolve().parents[2] / "tracker/sla/holidays"
