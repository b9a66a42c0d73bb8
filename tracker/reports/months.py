"""Report months: 'YYYY-MM' in Beijing time, as an interval of instants."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ..services.errors import ValidationFailed

LOCAL = ZoneInfo("Asia/Shanghai")
_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_YEAR, LAST_YEAR = 2000, 2099  # the working clock's calendar range


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
