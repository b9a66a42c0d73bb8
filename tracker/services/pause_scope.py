"""Which pauses stop which clock, for every reader of timers (services, dashboard, notices,
calendar recomputation, reports): one rule, `models.pause_concerns`, applied the same way."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select

from ..extensions import db
from ..models import Pause, SubjectType, pause_concerns
from ..sla import ClockPause
from .plain_reads import plain_rows
from .reference import pause_reasons


@dataclass(frozen=True)
class ScopedPause:
    """A pause as read by a query: its span, what it stops, and its reason."""

    start: datetime
    end: datetime | None
    stops_application: bool
    stopped_steps: tuple[str, ...]
    reason: str = ""
    label: str = ""

    def concerns(self, subject_type: SubjectType | str, step_code: str | None) -> bool:
        return pause_concerns(self.stops_application, list(self.stopped_steps),
                              SubjectType(subject_type), step_code)


def pause_label(pause: Pause) -> str:
    """"市政审批 · 王五": the reason and who paused, for the explanation of a deadline."""
    reason = pause_reasons().get(pause.reason_code)
    name = reason.name_zh if reason is not None else pause.reason_code
    who = pause.started_by.label if pause.started_by is not None else ""
    return f"{name} · {who}" if who else name


def scoped(pause: Pause, *, labelled: bool = False) -> ScopedPause:
    """A pause row as a ScopedPause; `labelled` adds its pause_label (which loads who paused:
    lists load pauses without their people, so only an explanation asks for it)."""
    return ScopedPause(pause.started_at, pause.ended_at, pause.stops_application,
                       tuple(pause.stopped_steps or ()), pause.reason_code,
                       pause_label(pause) if labelled else "")


# The columns scoped_pauses reads, in its order (a caller adds the condition).
PAUSE_ROWS = (select(Pause.application_id, Pause.started_at, Pause.ended_at,
                     Pause.stops_application, Pause.stopped_steps, Pause.reason_code)
              .order_by(Pause.started_at, Pause.id))


def _pauses_where(condition: Any) -> Any:
    return PAUSE_ROWS.where(condition)


_PAUSES_OF = _pauses_where(Pause.application_id.in_(bindparam("ids", expanding=True)))


def pauses_by_application(app_ids: Any) -> dict[int, list[ScopedPause]]:
    """The pauses of the applications in `app_ids` (ids or a subquery), in one query."""
    if isinstance(app_ids, (list, tuple, set, frozenset)):  # a statement built once
        return scoped_pauses(plain_rows(_PAUSES_OF, {"ids": list(app_ids)}))
    return scoped_pauses(db.session.execute(_pauses_where(Pause.application_id.in_(app_ids))))


def scoped_pauses(rows: Iterable[Any]) -> dict[int, list[ScopedPause]]:
    """Rows of PAUSE_ROWS as ScopedPauses by application, in the rows' order."""
    found: dict[int, list[ScopedPause]] = defaultdict(list)
    # Unpacked by position (the columns of PAUSE_ROWS): a Row's by-name read costs
    # microseconds, and a report reads thousands of pauses.
    for app_id, started_at, ended_at, stops_application, stopped_steps, reason_code in rows:
        found[app_id].append(ScopedPause(started_at, ended_at, bool(stops_application),
                                         tuple(stopped_steps or ()), reason_code))
    return found


def intervals_for(pauses: Iterable[ScopedPause | Pause], subject_type: SubjectType | str,
                  step_code: str | None, *, labelled: bool = False) -> list[ClockPause]:
    """The pauses that stop one duty's clock, as the clock takes them (end None = open);
    with `labelled`, each carries its pause_label for the explanation of a deadline."""
    kind = SubjectType(subject_type)
    result = []
    for pause in pauses:
        item = scoped(pause, labelled=labelled) if isinstance(pause, Pause) else pause
        if item.concerns(kind, step_code):
            result.append(ClockPause(item.start, item.end, item.label))
    return result
