"""Why a deadline is where it is (issue 12): the clock's explanation of a timer as data and as
the sentence a clerk reads, for the API, the application page, the report and the notices.

A presenter: reads only. Each timer is explained by `compute_deadline(..., explain=True)` with
the pauses that concern it (`timer_pauses`), on the application's clock (`app_clock`); a
finished duty is explained with its open pauses closed at completion, as `timers.finish` did.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from flask_babel import get_translations
from flask_babel import gettext as _

from ..i18n import pick
from ..localtime import LOCAL, local
from ..models import Application, Pause, SlaTimer, TimerState
from ..sla import (
    ClockPause,
    Counting,
    Explanation,
    Limit,
    LimitKind,
    Segment,
    WorkingClock,
    compute_deadline,
)
from .applications import flow_of, timer_pauses
from .presenters import present_pause

LimitWords = Callable[[Limit], str]


class Words:
    """gettext for one language, each msgid looked up once: what flask_babel's gettext
    gives (the translation, then `%` with the variables when there are any), without its
    per-call context and locale lookups (a report words thousands of sentences)."""

    def __init__(self, translations: Any) -> None:
        self._translations = translations
        self._seen: dict[str, str] = {}

    @classmethod
    def current(cls) -> Words:
        """The words of the current locale (the request's, or force_locale's)."""
        return cls(get_translations())

    def __call__(self, msgid: str, **variables: Any) -> str:
        try:
            text = self._seen[msgid]
        except KeyError:
            text = self._seen[msgid] = self._translations.ugettext(msgid)
        return text % variables if variables else text


WEEKDAYS = (("周一", "Mon"), ("周二", "Tue"), ("周三", "Wed"), ("周四", "Thu"), ("周五", "Fri"),
            ("周六", "Sat"), ("周日", "Sun"))
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def explain_timer(timer: SlaTimer, clock: WorkingClock,
                  pauses: list[ClockPause]) -> Explanation:
    """The timer's deadline explained on `clock` with the pauses that concern it."""
    done = timer.completed_at if timer.state is TimerState.DONE else None
    return explain_duty(clock, timer.started_at, timer.limit, pauses, done)


def explain_duty(clock: WorkingClock, started_at: datetime, limit: dict[str, Any],
                 pauses: list[ClockPause], completed_at: datetime | None = None) -> Explanation:
    """A duty's deadline explained (a stored limit, the pauses that concern it); a finished
    duty's open pauses end at its completion, as timers.finish counted them."""
    if completed_at is not None:
        pauses = _ended_at(pauses, completed_at)
    deadline = compute_deadline(clock, started_at, Limit.from_dict(limit), pauses, explain=True)
    assert deadline.explanation is not None
    return deadline.explanation


def _ended_at(pauses: list[ClockPause], at: datetime) -> list[ClockPause]:
    """The pauses with any still open ended at `at` (a finished duty's, as timers.finish)."""
    return [ClockPause(p.start, p.end if p.end is not None else max(at, p.start), p.label)
            for p in pauses]


def _labelled(app: Application, timer: SlaTimer) -> tuple[list[ClockPause], dict[str, Pause]]:
    """The timer's pauses (timer_pauses), each labelled with its row's id to find it again."""
    rows: dict[tuple, list[Pause]] = {}
    for row in app.pauses:  # two pauses may share both ends (two reasons at once)
        rows.setdefault((row.started_at, row.ended_at), []).append(row)
    labelled, by_id = [], {}
    for pause in timer_pauses(app, timer):
        same = rows.get((pause.start, pause.end))
        row = same.pop(0) if same else None
        label = str(row.id) if row is not None else pause.label
        if row is not None:
            by_id[label] = row
        labelled.append(ClockPause(pause.start, pause.end, label))
    return labelled, by_id


def present_timer_explanation(app: Application, timer: SlaTimer | None, clock: WorkingClock,
                              lang: str, event: str, limit_words: LimitWords,
                              ) -> dict[str, Any] | None:
    """One timer's explanation as data (segments, the pauses with reason, who and both ends,
    the result, completion) and as the sentence."""
    if timer is None:
        return None
    pauses, rows = _labelled(app, timer)
    explanation = explain_timer(timer, clock, pauses)
    segments = []
    for segment in explanation.segments:
        item = segment.as_dict()
        for key in ("from", "to"):
            item[key] = local(item[key])
        item["office_hours"] = [{"from": local(p["from"]), "to": local(p["to"])}
                                for p in item["office_hours"]]
        row = rows.get(segment.reason or "") if segment.kind == "pause" else None
        if row is not None:
            shown = present_pause(row, lang)
            item["reason"] = shown["reason_name"]
            item["pause"] = {"id": row.id, "reason": row.reason_code,
                             "reason_name": shown["reason_name"], "by": shown["started_by"],
                             "ended_by": shown["ended_by"], "from": shown["started_at"],
                             "to": shown["ended_at"]}
        segments.append(item)
    done = _completion(timer, clock, explanation, pauses)
    return {
        "event": event,
        "start": local(explanation.start),
        "limit": timer.limit,
        "limit_text": limit_phrase(explanation.limit, explanation.budget, limit_words),
        "budget_seconds": explanation.budget,
        "counted_seconds": explanation.counted,
        "round_the_clock": explanation.round_the_clock,
        "provisional": explanation.provisional,
        "due_at": local(explanation.due_at),
        "unpaused_due_at": local(explanation.unpaused_due_at),
        "segments": segments,
        "done": done,
        "summary": days_off_line(explanation, lang),
        "lines": (lines := sentence_parts(explanation, lang, event, limit_words,
                                          pause_names=_pause_names(rows, lang), done=done)),
        "sentence": _("; ").join(lines) + _("."),
    }


def _pause_names(rows: dict[str, Pause], lang: str) -> dict[str, str]:
    names = {}
    for key, row in rows.items():
        shown = present_pause(row, lang)
        names[key] = (f"{shown['reason_name']}, {shown['started_by']}"
                      if shown["started_by"] else shown["reason_name"])
    return names


def _completion(timer: SlaTimer, clock: WorkingClock, explanation: Explanation,
                pauses: list[ClockPause]) -> dict[str, Any] | None:
    """When a finished duty was done and the working time it used, or was late by."""
    if timer.state is not TimerState.DONE or timer.completed_at is None:
        return None
    closed = [(p.start, p.end) for p in _ended_at(pauses, timer.completed_at)]
    if timer.round_the_clock:
        used = int((timer.completed_at - timer.started_at).total_seconds())
    else:
        used = int(clock.working_time_between(timer.started_at, timer.completed_at,
                                              closed).total_seconds())
    due = explanation.due_at
    over = 0
    if due is not None and timer.completed_at > due:
        over = (int((timer.completed_at - due).total_seconds()) if timer.round_the_clock else
                int(clock.working_time_between(due, timer.completed_at, closed).total_seconds()))
    return {"at": local(timer.completed_at), "used_seconds": max(0, used), "over_seconds": over,
            "late": bool(timer.late)}


def present_explanations(app: Application, clock: WorkingClock, lang: str,
                         limit_words: LimitWords) -> dict[str, Any]:
    """The application's deadline and each step's, explained (GET …/explain)."""
    flow = flow_of(app)
    steps = []
    for record in app.steps:
        definition = flow.step(record.code)
        event = (_("step started") if record.timer is not None
                 and record.started_at == record.timer.started_at else _("step became due"))
        steps.append({"code": record.code,
                      "name": pick(definition.name_zh, definition.name_en, lang),
                      "explanation": present_timer_explanation(app, record.timer, clock, lang,
                                                               event, limit_words)})
    return {"number": app.number,
            "application": present_timer_explanation(app, app.timer, clock, lang,
                                                     _("application accepted"), limit_words),
            "steps": steps}


def page_explanations(app: Application, clock: WorkingClock, lang: str,
                      limit_words: LimitWords) -> tuple[dict[str, Any] | None,
                                                        dict[str, dict[str, Any] | None]]:
    """What the application page shows of present_explanations: the application's and each
    step's (by code) explanation as its `lines`, None for a duty without a timer. The same
    clauses (tests/services/test_page_explanations.py) without the segments, the summary and
    the sentence the page does not show, each msgid looked up once (Words; issue 15)."""
    words = Words.current()

    def explained(timer: SlaTimer | None, event: str) -> dict[str, Any] | None:
        if timer is None:
            return None
        pauses, rows = _labelled(app, timer)
        explanation = explain_timer(timer, clock, pauses)
        done = _completion(timer, clock, explanation, pauses)
        return {"lines": sentence_parts(explanation, lang, event, limit_words,
                                        pause_names=_pause_names(rows, lang), done=done,
                                        words=words)}

    steps = {record.code: explained(record.timer, words(
        "step started" if record.timer is not None
        and record.started_at == record.timer.started_at else "step became due"))
        for record in app.steps}
    return explained(app.timer, words("application accepted")), steps


# -- words ------------------------------------------------------------------------------------

def hours(seconds: int) -> str:
    """Seconds as hours, to two decimals without trailing zeros: 5400 -> "1.5"."""
    return f"{seconds / 3600:.2f}".rstrip("0").rstrip(".")


def day_text(day: date, lang: str) -> str:
    return f"{day.day} {MONTHS[day.month - 1]}" if lang == "en" else f"{day.month}月{day.day}日"


def range_text(first: date, last: date, lang: str) -> str:
    """"10月1日–7日" / "1–7 Oct"; a single day when first == last."""
    if first == last:
        return day_text(first, lang)
    if (first.year, first.month) == (last.year, last.month):
        if lang == "en":
            return f"{first.day}–{last.day} {MONTHS[first.month - 1]}"
        return f"{first.month}月{first.day}日–{last.day}日"
    return f"{day_text(first, lang)}–{day_text(last, lang)}"


def _last_day(segment: Segment) -> date:
    end = segment.end if segment.end is not None else segment.start
    return (end.astimezone(LOCAL) - timedelta(seconds=1)).date() if end > segment.start \
        else segment.start.astimezone(LOCAL).date()


def _first_day(segment: Segment) -> date:
    return segment.start.astimezone(LOCAL).date()


# Instants in words depend on the instant alone (one zone): a report words the same ones in
# both languages, and the same office periods day after day.
@lru_cache(maxsize=8192)
def _clock_time(instant: datetime) -> str:
    return instant.astimezone(LOCAL).strftime("%H:%M")


@lru_cache(maxsize=8192)
def _instant(instant: datetime | None) -> str:
    return "—" if instant is None else instant.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")


def _periods(segment: Segment) -> str:
    return "、".join(f"{_clock_time(low)}–{_clock_time(high)}" for low, high in segment.periods)


def limit_phrase(limit: Limit, budget: int, limit_words: LimitWords,
                 words: Words | None = None) -> str:
    """"1 个工作日，按时钟计算（7.5 工作小时）": the limit, its convention and its working time
    (`words`: the current locale's, looked up once by a caller that words many sentences)."""
    _ = words or Words.current()
    text = limit_words(limit)
    if limit.kind is LimitKind.WORKING_DAYS and limit.counting is Counting.CLOCK:
        text = _("%(limit)s, counted on the clock", limit=text)
    if limit.is_round_the_clock:
        return _("%(limit)s (%(hours)s hours)", limit=text, hours=hours(budget))
    return _("%(limit)s (%(hours)s working hours)", limit=text, hours=hours(budget))


def _weekend_words(segment: Segment, lang: str, _: Words) -> str:
    if segment.days >= 2:
        return _("weekend")
    return pick(*WEEKDAYS[_first_day(segment).weekday()], lang)


def _source(segment: Segment) -> str:
    return segment.source or "—"


def _line(segment: Segment, lang: str, pause_names: dict[str, str], _: Words) -> str:
    """One segment in words."""
    kind = segment.kind
    first, last = _first_day(segment), _last_day(segment)
    days = range_text(first, last, lang)
    text: str
    if kind == "counted":
        text = _("%(day)s %(periods)s: %(hours)s h", day=days, periods=_periods(segment),
                 hours=hours(segment.counted))
    elif kind == "makeup_workday":
        text = _("%(day)s (%(weekday)s) %(name)s, a working day: %(periods)s: %(hours)s h",
                 day=days, weekday=pick(*WEEKDAYS[first.weekday()], lang),
                 name=segment.reason or "", periods=_periods(segment),
                 hours=hours(segment.counted))
    elif kind == "local_working":
        text = _("%(day)s local working day (%(name)s, %(source)s): %(periods)s: %(hours)s h",
                 day=days, name=segment.reason or "", source=_source(segment),
                 periods=_periods(segment), hours=hours(segment.counted))
    elif kind == "partial_closure":
        text = _("%(day)s partly closed (%(name)s, %(source)s): %(periods)s: %(hours)s h",
                 day=days, name=segment.reason or "", source=_source(segment),
                 periods=_periods(segment), hours=hours(segment.counted))
    elif kind == "outside_hours":
        text = _("%(day)s %(from)s–%(to)s: outside office hours, not counted", day=days,
                 **{"from": _clock_time(segment.start),
                    "to": _clock_time(segment.end or segment.start)})
    elif kind == "weekend":
        text = _("%(days)s %(weekday)s: not counted", days=days,
                 weekday=_weekend_words(segment, lang, _))
    elif kind == "holiday":
        text = _("%(days)s %(name)s (%(source)s): not counted", days=days,
                 name=segment.reason or "", source=_source(segment))
    elif kind == "closure":
        text = _("%(days)s local closure: %(name)s (%(source)s): not counted", days=days,
                 name=segment.reason or "", source=_source(segment))
    elif kind == "pause":
        name = pause_names.get(segment.reason or "", segment.reason or "")
        if segment.end is None:
            text = _("paused (%(reason)s) since %(from)s: the deadline waits for the pause "
                     "to end", reason=name, **{"from": _instant(segment.start)})
        else:
            text = _("paused (%(reason)s) %(from)s – %(to)s: %(hours)s working hours not "
                     "counted", reason=name, hours=hours(segment.paused),
                     **{"from": _instant(segment.start), "to": _instant(segment.end)})
    else:  # round_the_clock
        text = _("%(from)s – %(to)s round the clock: %(hours)s h", hours=hours(segment.counted),
                 **{"from": _instant(segment.start), "to": _instant(segment.end)})
    if segment.provisional:
        text += _(" (provisional)")
    return text


def _ordinary(segment: Segment) -> bool:
    return segment.kind == "weekend" or (segment.kind == "counted" and segment.whole_day
                                         and not segment.paused)


def summary_lines(explanation: Explanation, lang: str,
                  pause_names: dict[str, str] | None = None,
                  words: Words | None = None) -> list[str]:
    """The segments in words; a run of ordinary whole working days (with the weekends between
    them) is one line."""
    _ = words or Words.current()
    names = pause_names or {}
    segments = list(explanation.segments)
    result: list[str] = []
    index = 0
    while index < len(segments):
        if not (_ordinary(segments[index]) and segments[index].kind == "counted"):
            result.append(_line(segments[index], lang, names, _))
            index += 1
            continue
        end = index
        while end + 1 < len(segments) and _ordinary(segments[end + 1]):
            end += 1
        while segments[end].kind == "weekend":
            end -= 1  # a run ends on a working day; the weekend after it is its own line
        run = segments[index:end + 1]
        working = [s for s in run if s.kind == "counted"]
        if len(working) < 2:
            result.append(_line(segments[index], lang, names, _))
            index += 1
            continue
        weekend_days = sum(s.days for s in run if s.kind == "weekend")
        text = _("%(days)s: %(count)s working days, %(hours)s h", count=len(working),
                 days=range_text(_first_day(run[0]), _last_day(run[-1]), lang),
                 hours=hours(sum(s.counted for s in working)))
        if weekend_days:
            text += _(" (weekends, %(count)s days, not counted)", count=weekend_days)
        result.append(text)
        index = end + 1
    return result


def sentence(explanation: Explanation, lang: str, event: str, limit_words: LimitWords, *,
             pause_names: dict[str, str] | None = None,
             done: dict[str, Any] | None = None, words: Words | None = None) -> str:
    """The explanation as one sentence (call inside force_locale(lang) outside a request in
    that language; `words`, that locale's, when many are worded)."""
    _ = words or Words.current()
    return _("; ").join(sentence_parts(explanation, lang, event, limit_words,
                                       pause_names=pause_names, done=done, words=_)) + _(".")


def sentence_parts(explanation: Explanation, lang: str, event: str, limit_words: LimitWords,
                   *, pause_names: dict[str, str] | None = None,
                   done: dict[str, Any] | None = None,
                   words: Words | None = None) -> list[str]:
    """The sentence's clauses: the start and limit, a line per segment (runs collapsed), the
    result, completion. The page lists them; the API, report and notices join them."""
    _ = words or Words.current()
    parts = [_("From %(start)s (%(event)s), limit %(limit)s",
               start=_instant(explanation.start), event=event,
               limit=limit_phrase(explanation.limit, explanation.budget, limit_words, _))]
    parts += summary_lines(explanation, lang, pause_names, _)
    unit = _("hours") if explanation.round_the_clock else _("working hours")
    if explanation.due_at is None:
        parts.append(_("%(hours)s %(unit)s counted so far; no deadline while paused",
                       hours=hours(explanation.counted), unit=unit))
    else:
        parts.append(_("total %(hours)s %(unit)s: due %(due)s", hours=hours(explanation.counted),
                       unit=unit, due=_instant(explanation.due_at)))
    if explanation.provisional:
        parts.append(_("depends on a year whose holidays are not yet published (provisional)"))
    if done is not None:
        if done["over_seconds"]:
            parts.append(_("done %(at)s, %(hours)s %(unit)s late", at=_instant(done["at"]),
                           hours=hours(done["over_seconds"]), unit=unit))
        else:
            parts.append(_("done %(at)s, %(hours)s %(unit)s used", at=_instant(done["at"]),
                           hours=hours(done["used_seconds"]), unit=unit))
    return parts


def days_off_line(explanation: Explanation, lang: str, words: Words | None = None) -> str:
    """Why in one line, for a notice: "含国庆节假期 7 天" (and closures, pauses), or that
    nothing was skipped."""
    _ = words or Words.current()
    closures = {s.reason for s in explanation.segments if s.kind == "closure"}
    parts = [_("including local closure %(name)s, %(days)s days", name=name, days=days)
             if name in closures else
             _("including %(name)s, %(days)s days off", name=name, days=days)
             for name, days in explanation.days_off().items()]
    removed = sum(s.paused for s in explanation.pauses)
    if removed:
        parts.append(_("paused %(hours)s working hours", hours=hours(removed)))
    return _(", ").join(parts) if parts else _("no holiday, closure or pause in between")
