"""The 好差评 import: evaluations exported by the government evaluation system, as CSV. Bad
rows are reported by line and skipped, good rows are imported once, and each "not
satisfied" opens a home-visit follow-up."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..localtime import LOCAL
from ..models import Application, User
from ..services import events
from ..services.app_clock import app_clock
from ..services.app_clock import now as clock_now
from ..services.errors import ValidationFailed
from ..services.transaction import transactional
from ..sla import FIRST_YEAR, LAST_YEAR
from ..text import unstorable
from .commands import open_follow_up
from .models import Evaluation

# The evaluation system's clock may run a little ahead of ours.
FUTURE_TOLERANCE = timedelta(seconds=60)

# Column names as the evaluation system exports them, in English or Chinese.
COLUMN_ALIASES = {
    "external_id": ("external_id", "id", "评价编号", "评价id"),
    "application_number": ("application_number", "number", "办件编号", "申请编号", "报装编号"),
    "evaluated_at": ("evaluated_at", "评价时间"),
    "satisfied": ("satisfied", "是否满意", "评价结果", "满意度"),
    "score": ("score", "评分", "分数"),
    "comment": ("comment", "评价内容", "意见", "备注"),
}
REQUIRED_COLUMNS = ("external_id", "evaluated_at", "satisfied")
SATISFIED_WORDS = {
    True: {"满意", "非常满意", "基本满意", "好评", "是", "1", "yes", "y", "true", "satisfied"},
    False: {"不满意", "非常不满意", "差评", "否", "0", "no", "n", "false", "dissatisfied",
            "not satisfied"},
}
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                    "%Y-%m-%d", "%Y/%m/%d")


@dataclass(frozen=True)
class RowError:
    """A refused row: its line in the file (the header is line 1) and why (msgid + params)."""

    line: int
    message: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportReport:
    imported: int = 0
    already_imported: int = 0
    follow_ups_opened: int = 0
    errors: list[RowError] = field(default_factory=list)


def decode_csv(data: bytes | str) -> str:
    """UTF-8 with or without a BOM; GB18030 as a fallback (what Excel saves on Chinese Windows)."""
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise ValidationFailed("The file is not UTF-8 text.",
                                   fields={"file": ["Save the file as CSV UTF-8."]}) from None


def _header_map(header: list[str]) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    mapping: dict[str, int] = {}
    for column, aliases in COLUMN_ALIASES.items():
        for index, name in enumerate(names):
            if name in aliases:
                mapping[column] = index
                break
    missing = [c for c in REQUIRED_COLUMNS if c not in mapping]
    if missing:
        raise ValidationFailed("The file lacks the columns: %(columns)s.",
                               params={"columns": ", ".join(missing)},
                               fields={"file": ["Missing columns."]})
    return mapping


def _parse_instant(text: str) -> datetime | None:
    text = text.strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
        for pattern in DATETIME_FORMATS:
            try:
                value = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if value is None:
        return None
    if value.tzinfo is None:  # the evaluation system exports Beijing time
        value = value.replace(tzinfo=LOCAL)
    return value


def _parse_satisfied(text: str) -> bool | None:
    word = text.strip().lower()
    for verdict, words in SATISFIED_WORDS.items():
        if word in words:
            return verdict
    return None


@dataclass
class _Row:
    line: int
    external_id: str
    application_id: int | None
    application_number: str
    evaluated_at: datetime
    satisfied: bool
    score: int | None
    comment: str


def _check_row(values: list[str], line: int, mapping: dict[str, int], width: int,
               numbers: dict[str, int | None], now: datetime) -> _Row | RowError:
    if len(values) != width:
        return RowError(line, "The row has %(found)s fields; the header has %(expected)s.",
                        {"found": len(values), "expected": width})
    if any(unstorable(v) for v in values):
        return RowError(line, "The row contains control characters.")

    def cell(name: str) -> str:
        index = mapping.get(name)
        return values[index].strip() if index is not None else ""

    external_id = cell("external_id")
    if not external_id:
        return RowError(line, "external_id is empty.")
    if len(external_id) > 100:
        return RowError(line, "external_id is longer than 100 characters.")
    evaluated_at = _parse_instant(cell("evaluated_at"))
    if evaluated_at is None or not FIRST_YEAR <= evaluated_at.year <= LAST_YEAR:
        return RowError(line, "evaluated_at is not a date and time: %(value)s",
                        {"value": cell("evaluated_at")[:40]})
    if evaluated_at > now + FUTURE_TOLERANCE:
        return RowError(line, "evaluated_at is in the future: %(value)s",
                        {"value": cell("evaluated_at")[:40]})
    satisfied = _parse_satisfied(cell("satisfied"))
    if satisfied is None:
        return RowError(line, "satisfied must be 满意/不满意, 1/0 or yes/no, not %(value)s",
                        {"value": cell("satisfied")[:40]})
    score_text = cell("score")
    score = None
    if score_text:
        try:
            score = int(float(score_text)) if float(score_text).is_integer() else None
        except ValueError:
            score = None
        if score is None or not 0 <= score <= 100:
            return RowError(line, "score must be a whole number from 0 to 100, not %(value)s",
                            {"value": score_text[:40]})
    comment = cell("comment")
    if len(comment) > 2000:
        return RowError(line, "comment is longer than 2000 characters.")
    number = cell("application_number")
    application_id = None
    if number:
        application_id = numbers.get(number)
        if application_id is None:
            return RowError(line, "No application numbered %(number)s.", {"number": number[:40]})
    return _Row(line, external_id, application_id, number, evaluated_at, satisfied, score,
                comment)


# 好差评 (the platform's good/bad reviews: a "not satisfied" opens the home visit, 003 五（四）2)
# and the government's third-party survey (政府第三方调查, 五（六）2: a "not satisfied" costs 5
# points): two sources, never confused.
SOURCES = ("haochaping", "government_survey")


@transactional
def import_evaluations(data: bytes | str, actor: User | None = None, *,
                       source: str = "haochaping") -> ImportReport:
    """Import 好差评 rows from CSV: bad rows are reported by line and skipped, good rows are
    imported once (by external_id), and each "not satisfied" opens a follow-up. Commits once."""
    if source not in SOURCES:
        raise ValidationFailed("Unknown evaluation source %(source)s.", params={"source": source},
                               fields={"source": ["Choose 好差评 or the government survey."]})
    text = decode_csv(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationFailed("The file is empty.", fields={"file": ["Empty."]}) from None
    except csv.Error as exc:
        raise ValidationFailed("The file is not valid CSV: %(error)s", params={"error": str(exc)},
                               fields={"file": ["Not CSV."]}) from None
    mapping = _header_map(header)
    raw_rows: list[tuple[int, list[str]]] = []
    report = ImportReport()
    line = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            report.errors.append(RowError(line, "The row is not valid CSV: %(error)s",
                                          {"error": str(exc)}))
            line = reader.line_num + 1
            continue
        if any(v.strip() for v in values):  # blank lines are not rows
            raw_rows.append((line, values))
        line = reader.line_num + 1

    wanted = {values[mapping["application_number"]].strip()
              for _, values in raw_rows
              if "application_number" in mapping and len(values) > mapping["application_number"]}
    numbers: dict[str, int | None] = dict(db.session.execute(
        select(Application.number, Application.id).where(Application.number.in_(wanted))).all()) \
        if wanted else {}
    now, clock = clock_now(), app_clock()
    seen: dict[str, int] = {}
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert
    for line_no, values in raw_rows:
        checked = _check_row(values, line_no, mapping, len(header), numbers, now)
        if isinstance(checked, RowError):
            report.errors.append(checked)
            continue
        if checked.external_id in seen:
            report.errors.append(RowError(line_no, "external_id %(id)s already appears on line "
                                          "%(line)s.", {"id": checked.external_id,
                                                        "line": seen[checked.external_id]}))
            continue
        seen[checked.external_id] = line_no
        # Insert-or-nothing keeps a re-import (or two imports at once) from doubling a row.
        new_id = db.session.execute(
            insert(Evaluation).values(
                source=source, external_id=checked.external_id,
                application_id=checked.application_id,
                application_number=checked.application_number, satisfied=checked.satisfied,
                score=checked.score, comment=checked.comment, evaluated_at=checked.evaluated_at,
                imported_at=now)
            .on_conflict_do_nothing(index_elements=["source", "external_id"])
            .returning(Evaluation.id)).scalar_one_or_none()
        if new_id is None:
            report.already_imported += 1
            continue
        report.imported += 1
        events.record("evaluation.imported", actor=actor, subject_type="evaluation",
                      subject_id=new_id, application_id=checked.application_id,
                      external_id=checked.external_id, satisfied=checked.satisfied)
        if not checked.satisfied:
            open_follow_up(checked.application_id, "evaluation", now, clock, actor,
                            evaluation_id=new_id,
                            label=checked.application_number or f"好差评 {checked.external_id}")
            report.follow_ups_opened += 1
    return report
