"""The overdue list's explanation sentences (why_zh, why_en: services.explanations), each
duty's worded once per clock and language.

A sentence depends on the duty's clock inputs alone (its kind, start, stored limit, the pauses
that concern it, its completion when done), on the clock, on the language's catalogue and on
the pause reasons' names. A month is read again and again (the page, each download, the JSON,
the review, the build job), so the sentences of the latest clock and catalogue are kept per
language in the process. The rule that keeps them right: `app_clock` gives a new clock object
for every set of closures and holiday files, so a new closure or year file words everything
again; another catalogue (another app, a new deployment) does too; the key holds everything
else the sentence reads.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from flask_babel import force_locale, get_translations

from ..i18n import pick
from ..services.explanations import Words, explain_duty, sentence
from ..sla import ClockPause, Explanation, WorkingClock
from ..web.formatting import limit_text

LANGUAGES = ("zh", "en")
KEPT_MAX = 120_000  # sentences kept per language: more than two 50,000-application months


@dataclass(frozen=True)
class Duty:
    """What a duty's explanation is computed from (services.explanations.explain_duty)."""

    kind: str  # "application" or "step": the event its clock starts from
    started_at: datetime
    limit: dict[str, Any]  # the stored form
    pauses: tuple[ClockPause, ...]  # those that concern it, labelled with their reason code
    done_at: datetime | None  # its completion when done (its open pauses end there)

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.kind, self.started_at, tuple(sorted(self.limit.items())), self.pauses,
                self.done_at)


@dataclass
class _Kept:
    clock: WorkingClock
    translations: Any
    sentences: dict[tuple[Any, ...], str] = field(default_factory=dict)


_kept: dict[str, _Kept] = {}


def _kept_for(lang: str, clock: WorkingClock, translations: Any) -> _Kept:
    """The sentences kept for this language, clock and catalogue (a fresh store if either
    changed, or when it is full)."""
    kept = _kept.get(lang)
    if kept is None or kept.clock is not clock or kept.translations is not translations \
            or len(kept.sentences) >= KEPT_MAX:
        kept = _kept[lang] = _Kept(clock, translations)
    return kept


def forget() -> None:
    """Drop every kept sentence (tests compare with a computation from nothing)."""
    _kept.clear()


def word_explanations(clock: WorkingClock, items: list[dict[str, Any]], duties: list[Duty],
                      reasons: dict[str, Any]) -> None:
    """Set each item's `why_zh` and `why_en` from its duty; one locale switch per language,
    the language's words looked up once, each duty explained at most once."""
    explained: dict[int, Explanation] = {}
    for lang in LANGUAGES:
        with force_locale(lang):
            translations = get_translations()
            kept = _kept_for(lang, clock, translations)
            words = Words(translations)
            limit_words = cache(limit_text)  # a handful of limits, worded once each
            names = {code: pick(r.name_zh, r.name_en, lang) for code, r in reasons.items()}
            events = {"application": words("application accepted"),
                      "step": words("step became due")}
            for index, (item, duty) in enumerate(zip(items, duties, strict=True)):
                key = (duty.key, tuple(names.get(p.label, p.label) for p in duty.pauses))
                text = kept.sentences.get(key)
                if text is None:
                    explanation = explained.get(index)
                    if explanation is None:
                        explanation = explained[index] = explain_duty(
                            clock, duty.started_at, duty.limit, list(duty.pauses), duty.done_at)
                    text = kept.sentences[key] = sentence(
                        explanation, lang, events.get(duty.kind, events["step"]), limit_words,
                        pause_names=names, words=words)
                item[f"why_{lang}"] = text
