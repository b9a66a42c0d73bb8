"""Months: 'YYYY-MM' in the utility's time zone, as an interval of instants (the report,
the dashboard and the after-care rates cut months the same way)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ..localtime import LOCAL
from ..sla import FIRST_YEAR, LAST_YEAR
from .errors import ValidationFailed

_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> datetime:
        """Midnight of the 1st, Beijing time."""
        return datetime(self.year, self.month, 1, tzinfo=LOCAL)

    @property
    def end(self) -> datetime:
        """Midnight of the 1st of the next month (exclusive)."""
        return self.next().start

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware instants."""
        return self.start, self.end

    @classmethod
    def checked(cls, year: int, month: int) -> Month:
        """The month, or a 422 naming it when it is not one."""
        if not 1 <= month <= 12:
            raise ValidationFailed("Not a month: %(month)s", params={"month": month})
        return cls(year, month)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @classmethod
    def containing(cls, instant: datetime) -> Month:
        local = instant.astimezone(LOCAL)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return self.label


def parse_month(text: str) -> Month:
    """'2026-10' → Month; a clear 422 for anything else."""
    match = _PATTERN.match((text or "").strip())
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and FIRST_YEAR <= year <= LAST_YEAR:
            return Month(year, month)
    raise ValidationFailed("Give the month as YYYY-MM, e.g. 2026-10.",
                           fields={"month": ["Give the month as YYYY-MM, e.g. 2026-10."]})
