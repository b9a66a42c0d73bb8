"""Speed and memory of the working clock, measured against workalendar in the same run.

Run: python benchmarks/bench_clock.py   (exits 1 if a target is missed)

Targets (issue 2): working_days_between over a 5-year span >= 1000x faster than workalendar's
China().get_working_days_delta; our 1-day and 5-year spans within 2x of each other; building
the index < 50 ms per decade; the index for 2000-2099 < 5 MB.
Issue 10: with scoped pauses (each duty gets the few pauses that concern it, labelled) a
deadline over a 1-day and a 5-year span cost the same within 2x, for amount and anchored
limits alike.
Issue 12: the time to explain a 1- and a 60-working-day deadline against computing it (the
ratio; printed, no target).
"""

from __future__ import annotations

import gc
import sys
import timeit
import tracemalloc
import warnings
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from workalendar.asia import China

from tracker.sla import (
    ChinaCalendar,
    ClockPause,
    Limit,
    LimitKind,
    WorkingClock,
    compute_deadline,
    statutory,
)
from tracker.sla import calendar as calendar_module

SHANGHAI = ZoneInfo("Asia/Shanghai")


def per_call(statement, number: int, repeat: int = 7) -> float:
    """Best-of-`repeat` seconds per call (the minimum is the least noisy on a busy machine)."""
    return min(timeit.repeat(statement, number=number, repeat=repeat)) / number


def main() -> int:
    warnings.simplefilter("ignore")  # workalendar's China warns on every holiday lookup
    failures: list[str] = []
    clock = WorkingClock(ChinaCalendar())
    reference = China()

    # Dates workalendar knows: 2018-2023.
    start_day, end_day = date(2018, 3, 5), date(2023, 3, 6)  # a 5-year span
    start = datetime(2018, 3, 5, 9, 15, tzinfo=SHANGHAI)
    end_5y = datetime(2023, 3, 6, 16, 40, tzinfo=SHANGHAI)
    end_1d = datetime(2018, 3, 6, 16, 40, tzinfo=SHANGHAI)

    ours_5y = per_call(lambda: clock.working_days_between(start, end_5y), 20000)
    ours_1d = per_call(lambda: clock.working_days_between(start, end_1d), 20000)
    theirs_5y = per_call(lambda: reference.get_working_days_delta(start_day, end_day), 5, 5)
    ratio_delta = theirs_5y / ours_5y
    span_ratio = max(ours_5y, ours_1d) / min(ours_5y, ours_1d)

    n_days = 1000  # about 4 years of working days
    ours_add = per_call(lambda: clock.add_working_days(start, n_days), 20000)
    theirs_add = per_call(lambda: reference.add_working_days(start_day, n_days), 5, 5)
    ratio_add = theirs_add / ours_add

    # Sanity: both count the same working days over the span (ours counts from the instant),
    # but for the two days of the 2020 Spring Festival extension workalendar misses
    # (国务院办公厅关于延长2020年春节假期的通知: 31 Jan and 1 Feb 2020 off).
    theirs_days = reference.get_working_days_delta(start_day, end_day)
    ours_days = clock.working_days_between(
        datetime(2018, 3, 5, 17, 30, tzinfo=SHANGHAI), datetime(2023, 3, 6, 17, 30, tzinfo=SHANGHAI)
    )
    if theirs_days - 2 != ours_days:
        failures.append(
            f"working days over the span differ: ours {ours_days}, workalendar {theirs_days}"
        )

    # Scoped pauses: a duty is given only the pauses that concern it (here 3, labelled) near
    # the end of a 1-day or a 5-year span, for an amount limit and a date-anchored one.
    def pauses_from(first: datetime) -> list[ClockPause]:
        return [
            ClockPause(first.replace(hour=10, minute=0), first.replace(hour=11, minute=0), "市政审批"),
            ClockPause(first.replace(hour=13, minute=45), first.replace(hour=14, minute=15), "补正材料"),
            ClockPause(first.replace(hour=15, minute=0), first.replace(hour=15, minute=30), "客户要求延期"),
        ]

    near = pauses_from(datetime(2018, 3, 5, tzinfo=SHANGHAI))
    far = pauses_from(datetime(2023, 3, 6, tzinfo=SHANGHAI))
    amount = Limit(LimitKind.WORKING_DAYS, 1)
    amount_5y = Limit(LimitKind.WORKING_DAYS, 1250)
    anchored = Limit(LimitKind.SAME_WORKING_DAY)
    scoped = {
        "amount, 1-day": per_call(lambda: compute_deadline(clock, start, amount, near), 5000),
        "amount, 5-year": per_call(
            lambda: compute_deadline(clock, start, amount_5y, far), 5000
        ),
        "anchored, 1-day": per_call(lambda: compute_deadline(clock, start, anchored, near), 5000),
        "anchored, 5-year": per_call(
            lambda: compute_deadline(clock, start.replace(year=2023, day=6), anchored, far), 5000
        ),
    }
    scoped_ratio = max(scoped.values()) / min(scoped.values())

    # Issue 12: explaining a deadline (the same computation, its walk recorded day by day)
    # against computing it, for 1 and 60 working days from the eve of 国庆节 2026.
    eve = datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI)
    after_holiday = pauses_from(datetime(2026, 10, 8, tzinfo=SHANGHAI))
    explained = {}
    for days in (1, 60):
        limit = Limit(LimitKind.WORKING_DAYS, days)
        computing = per_call(lambda limit=limit: compute_deadline(clock, eve, limit, after_holiday),
                             500, 3)
        explaining = per_call(
            lambda limit=limit: compute_deadline(clock, eve, limit, after_holiday, explain=True), 500, 3)
        explained[days] = (computing, explaining)

    def build(first: int, last: int) -> WorkingClock:
        """A cold build: the per-process caches of lunar dates and workalendar years emptied,
        so holiday files are parsed and every year's holidays computed again."""
        statutory._statutory_holidays.cache_clear()
        statutory._predicted.cache_clear()
        calendar_module._workalendar_cache.clear()
        calendar_module._workalendar_extra_working_days.cache_clear()
        return WorkingClock(ChinaCalendar(first_year=first, last_year=last))

    build(2020, 2029)  # import workalendar's modules once; not part of a build
    decade = per_call(lambda: build(2020, 2029), 5, 5)
    century = per_call(lambda: build(2000, 2099), 3, 3)

    statutory._statutory_holidays.cache_clear()
    statutory._predicted.cache_clear()
    calendar_module._workalendar_cache.clear()
    gc.collect()
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    kept = build(2000, 2099)
    gc.collect()
    after, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    retained = after - before  # the clock, its calendar and the caches it filled

    print("working_days_between, 5-year span (2018-03-05 .. 2023-03-06)")
    print(f"  ours                               {ours_5y * 1e6:10.2f} us/call")
    print(f"  workalendar get_working_days_delta {theirs_5y * 1e6:10.2f} us/call")
    print(f"  ratio                              {ratio_delta:10.0f}x   (target >= 1000x)")
    print("add_working_days, 1000 working days from 2018-03-05")
    print(f"  ours                               {ours_add * 1e6:10.2f} us/call")
    print(f"  workalendar add_working_days       {theirs_add * 1e6:10.2f} us/call")
    print(f"  ratio                              {ratio_add:10.0f}x")
    print("our cost against the span")
    print(f"  1-day span                         {ours_1d * 1e6:10.2f} us/call")
    print(f"  5-year span                        {ours_5y * 1e6:10.2f} us/call")
    print(f"  ratio                              {span_ratio:10.2f}    (target <= 2)")
    print("compute_deadline with scoped, labelled pauses (3 per duty and span end)")
    for name, value in scoped.items():
        print(f"  {name:<34} {value * 1e6:10.2f} us/call")
    print(f"  ratio (slowest / fastest)          {scoped_ratio:10.2f}    (target <= 2)")
    print("explaining a deadline against computing it (from 2026-09-30 16:00, 3 pauses)")
    for days, (computing, explaining) in explained.items():
        print(f"  {days:>2} working day(s): compute        {computing * 1e6:10.2f} us/call")
        print(f"  {days:>2} working day(s): explain        {explaining * 1e6:10.2f} us/call"
              f"   ratio {explaining / computing:6.1f}x")
    print("building calendar + index (cold: files parsed, lunar dates computed)")
    print(f"  one decade (2020-2029)             {decade * 1e3:10.2f} ms   (target < 50 ms)")
    print(f"  century (2000-2099), per decade    {century * 1e2:10.2f} ms   (target < 50 ms)")
    print("memory, 2000-2099")
    print(f"  index arrays                       {kept.index_nbytes / 1e6:10.3f} MB")
    print(f"  retained by construction          {retained / 1e6:10.3f} MB   (target < 5 MB)")
    print(f"  peak during construction           {peak / 1e6:10.3f} MB")

    if ratio_delta < 1000:
        failures.append(f"working_days_between only {ratio_delta:.0f}x faster (target 1000x)")
    if span_ratio > 2:
        failures.append(
            f"cost grows with the span: 1-day vs 5-year ratio {span_ratio:.2f} (target 2)"
        )
    if scoped_ratio > 2:
        failures.append(f"scoped-pause deadlines grow with the span: ratio {scoped_ratio:.2f}")
    if decade >= 0.050 or century / 10 >= 0.050:
        failures.append(
            f"index build {max(decade, century / 10) * 1e3:.1f} ms per decade (target 50)"
        )
    if retained >= 5_000_000:
        failures.append(f"index memory {retained / 1e6:.2f} MB (target 5 MB)")
    for failure in failures:
        print(f"MISSED: {failure}", file=sys.stderr)
    print("all targets met" if not failures else f"{len(failures)} target(s) missed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
