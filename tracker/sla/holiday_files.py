"""Parser for the yearly holiday files in `tracker/sla/holidays/` (format: its README.md).

One file per year, named after the year (`2026.txt`), copied from the State Council notice
(国务院办公厅关于XXXX年部分节假日安排的通知). We parse the format ourselves, rather than
using YAML or TOML, so that every mistake an administrator can make is reported with the
file and the line it is on.

Every day a file lists knows the notice it comes from: the file's `notice` (with its
`source` number), or, after an `amended:` line, the later notice that changed the schedule
(2020: 国务院办公厅关于延长2020年春节假期的通知). A notice may arrange days at the end of the
previous December (2019's 元旦 began on 2018-12-30), so a file may list those too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

__all__ = ["HolidayFile", "HolidayFileError", "load_holiday_dir", "parse_holiday_file"]

_YEAR_FILE = re.compile(r"^(\d{4})\.txt$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# Headers accept the full-width colon too: a Chinese input method types "：" by default.
_HEADER = re.compile(r"^([A-Za-z_]+)\s*[:：]\s*(.*)$")
_HEADERS = {"year", "notice", "source", "url"}
_AMENDED = "amended"  # a later notice changing this year's schedule; may follow the days
# Range separators: "..", and the "~" / "～" / "至" a Chinese administrator may type.
_RANGE_SEP = re.compile(r"\.\.|~|～|至")


class HolidayFileError(ValueError):
    """A holiday file that cannot be used; the message names the file and the line."""

    def __init__(self, path: Path | str, line: int, problem: str) -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        super().__init__(f"{self.path}, line {line}: {problem}")


@dataclass(frozen=True)
class HolidayFile:
    """One parsed year: days off and make-up working days (调休上班), each with its name."""

    path: Path
    year: int
    notice: str
    source: str | None
    url: str | None
    days_off: dict[date, str] = field(default_factory=dict)
    working_days: dict[date, str] = field(default_factory=dict)
    # The notice each listed day comes from ("title（number）"), amendments included.
    sources: dict[date, str] = field(default_factory=dict)
    amendments: tuple[str, ...] = ()

    @property
    def citation(self) -> str:
        """The notice's title with its document number, as a day's source reads."""
        return f"{self.notice}（{self.source}）" if self.source else self.notice


def parse_holiday_file(path: Path | str) -> HolidayFile:
    """Parse and validate one holiday file; raise HolidayFileError naming file and line."""
    path = Path(path)
    match = _YEAR_FILE.match(path.name)
    if not match:
        raise HolidayFileError(path, 1, "the file name must be the year it covers, e.g. 2027.txt")
    file_year = int(match.group(1))
    raw = path.read_bytes()
    try:
        # utf-8-sig: Windows Notepad saves UTF-8 with a byte-order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise HolidayFileError(path, line, "not UTF-8 text (save the file as UTF-8)") from None

    headers: dict[str, tuple[str, int]] = {}
    days_off: dict[date, tuple[str, int]] = {}
    working: dict[date, tuple[str, int]] = {}
    sources: dict[date, str] = {}
    amendments: list[str] = []
    section_start = 0  # line of the current `amended:`; days listed before it may be changed
    citation = ""
    first_entry_line = 0
    last_line = 0

    for number, line in enumerate(text.splitlines(), start=1):
        last_line = number
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        keyword, _, rest = stripped.partition(" ")
        keyword_lower = keyword.lower()
        if keyword_lower in ("off", "work"):
            if not first_entry_line:
                first_entry_line = number
                _check_headers(path, headers, file_year, number)
                citation = (
                    f"{headers['notice'][0]}（{headers['source'][0]}）"
                    if "source" in headers
                    else headers["notice"][0]
                )
            days, name = _parse_entry(path, number, keyword_lower, rest.strip(), file_year)
            target, other = (days_off, working) if keyword_lower == "off" else (working, days_off)
            for day in days:
                for listed in (target, other):
                    if day in listed and listed[day][1] >= section_start:
                        raise HolidayFileError(
                            path,
                            number,
                            f"{day} is already listed on line {listed[day][1]}"
                            if listed is target
                            else f"{day} is both a day off and a working day "
                            f"(see line {listed[day][1]}); it can only be one",
                        )
                    # Listed before an `amended:` line: the later notice replaces it.
                    listed.pop(day, None)
                target[day] = (name, number)
                sources[day] = citation
            continue
        header = _HEADER.match(stripped)
        if header is None:
            raise HolidayFileError(
                path,
                number,
                f"cannot read {stripped!r}: expected 'off DATE[..DATE] NAME', "
                "'work DATE NAME', a header such as 'notice: ...', or a '#' comment",
            )
        key, value = header.group(1).lower(), header.group(2).strip()
        if key == _AMENDED:
            if not first_entry_line:
                raise HolidayFileError(
                    path, number, "'amended:' names a later notice: it comes after the days"
                )
            if not value:
                raise HolidayFileError(path, number, "'amended:' needs the later notice's title")
            amendments.append(value)
            citation = value
            section_start = number
            continue
        if key not in _HEADERS:
            raise HolidayFileError(
                path, number, f"unknown header {key!r} (known: {', '.join(sorted(_HEADERS))})"
            )
        if first_entry_line:
            raise HolidayFileError(path, number, f"header {key!r} must come before the days")
        if key in headers:
            raise HolidayFileError(
                path, number, f"header {key!r} given twice (first on line {headers[key][1]})"
            )
        if not value:
            raise HolidayFileError(path, number, f"header {key!r} has no value")
        headers[key] = (value, number)

    if not first_entry_line:
        # No days at all: still report the missing headers first, they say what the file is.
        _check_headers(path, headers, file_year, max(last_line, 1))
        raise HolidayFileError(
            path, max(last_line, 1), "no 'off' or 'work' lines: the file is empty"
        )

    return HolidayFile(
        path=path,
        year=file_year,
        notice=headers["notice"][0],
        source=headers["source"][0] if "source" in headers else None,
        url=headers["url"][0] if "url" in headers else None,
        days_off={day: name for day, (name, _) in sorted(days_off.items())},
        working_days={day: name for day, (name, _) in sorted(working.items())},
        sources={day: sources[day] for day in sorted(sources)},
        amendments=tuple(amendments),
    )


def load_holiday_dir(directory: Path | str) -> dict[int, HolidayFile]:
    """Parse every `YYYY.txt` in a directory (other file types, e.g. README.md, are skipped)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"holiday directory not found: {directory}")
    files: dict[int, HolidayFile] = {}
    for path in sorted(directory.glob("*.txt")):
        parsed = parse_holiday_file(path)
        files[parsed.year] = parsed
    return files


def _check_headers(
    path: Path, headers: dict[str, tuple[str, int]], file_year: int, line: int
) -> None:
    """The headers must be complete before the first day (or at the end of a dayless file)."""
    if "year" not in headers:
        raise HolidayFileError(path, line, "missing header 'year: YYYY' before the first day")
    value, year_line = headers["year"]
    if not re.fullmatch(r"\d{4}", value):
        raise HolidayFileError(path, year_line, f"year must be four digits, not {value!r}")
    if int(value) != file_year:
        raise HolidayFileError(
            path, year_line, f"year {value} does not match the file name {path.name}"
        )
    if "notice" not in headers:
        raise HolidayFileError(
            path,
            line,
            "missing header 'notice:' (the title of the State Council notice) before the first day",
        )


def _parse_entry(
    path: Path, number: int, keyword: str, rest: str, year: int
) -> tuple[list[date], str]:
    """Parse 'DATE[..DATE] NAME' after 'off'/'work' into the days it covers and its name."""
    if not rest:
        raise HolidayFileError(
            path, number, f"'{keyword}' needs a date, e.g. '{keyword} {year}-10-01'"
        )
    span, _, name = rest.partition(" ")
    name = name.strip()
    if keyword == "off" and not name:
        raise HolidayFileError(path, number, f"day off {span} needs a name, e.g. 国庆节")
    if not name:
        name = "调休上班"
    parts = _RANGE_SEP.split(span)
    if len(parts) > 2 or not all(parts):
        raise HolidayFileError(
            path, number, f"bad date range {span!r}: write YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD"
        )
    first = _parse_date(path, number, parts[0], year)
    last = _parse_date(path, number, parts[-1], year)
    if last < first:
        raise HolidayFileError(path, number, f"range {span} ends before it starts")
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    if keyword == "work":
        for day in days:
            # Make-up working days (调休上班) are always weekend days; a weekday is a typo.
            if day.weekday() < 5:
                raise HolidayFileError(
                    path,
                    number,
                    f"working day {day} is a {day.strftime('%A')}: "
                    "make-up working days (调休上班) fall on a Saturday or Sunday",
                )
    return days, name


def _parse_date(path: Path, number: int, text: str, year: int) -> date:
    match = _DATE.match(text)
    if match is None:
        raise HolidayFileError(path, number, f"bad date {text!r}: write it as YYYY-MM-DD")
    try:
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError as exc:
        raise HolidayFileError(path, number, f"bad date {text!r}: {exc}") from None
    # The year's notice may arrange 元旦 from the previous December (2018-12-30..2019-01-01).
    if day.year != year and not (day.year == year - 1 and day.month == 12):
        raise HolidayFileError(
            path,
            number,
            f"date {day} is outside the file's year {year} "
            f"(only the December before it may be listed, for 元旦)",
        )
    return day
