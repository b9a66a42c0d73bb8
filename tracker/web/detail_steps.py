"""The application page's steps (applications/detail.html's timeline items), drawn in Python.

The template's loop made some forty Jinja calls per step (a badge, dates, the limit in words,
the explanation macro, labels, words, the step hook, the forms' macro), most of the page's own
drawing (issue 15). `StepItems` gives the loop's markup byte for byte, its whitespace too:
every value escaped as the template's `{{ }}` escaped it, words as Jinja's newstyle gettext
gives them (the translation as markup, formatted with the values escaped), the step hook
(`template_hook("application-step", app=app, step=step)`) called for each step in the same
order. **A change to a step's markup goes here and into the old loop kept in
tests/web/test_detail_steps.py**, which holds the two equal over every branch; the golden
pages are re-recorded only when the page is meant to change."""
from __future__ import annotations

from typing import Any

from flask import url_for
from markupsafe import Markup, escape

from ..i18n import current_language
from ..services.explanations import Words
from . import cells, detail_fields, labels, widgets
from .access import can_manage
from .context import template_hook
from .formatting import rule_text

LIVE = ("on_track", "warning", "overdue", "paused", "done_late")
# A step's limit in words per language, flow definition and step (rule_text: ~30 us a step).
# Definitions are parsed once per process and never change (flows.definition_of); the value
# holds its flow, so an id is never reused for another while its entry lives.
_LIMIT_TEXTS: dict[tuple[str, int, str], tuple[Any, str]] = {}
_LIMIT_TEXTS_MAX = 4096


def _limit_text(flow: Any, code: str, limit: Any, lang: str) -> str:
    key = (lang, id(flow), code)
    found = _LIMIT_TEXTS.get(key)
    if found is None or found[0] is not flow:
        if len(_LIMIT_TEXTS) >= _LIMIT_TEXTS_MAX:
            _LIMIT_TEXTS.clear()
        found = _LIMIT_TEXTS[key] = (flow, rule_text(limit, flow))
    return found[1]


class StepItems:
    """The `<li>` of every step, as the template's `{% for step in view.steps %}` drew them."""

    def __init__(self, app: Any, view: dict[str, Any], flow: Any, forms: dict[Any, Any],
                 why_steps: dict[str, Any]) -> None:
        self.app, self.view, self.flow, self.forms = app, view, flow, forms
        self.why_steps = why_steps

    def __call__(self, writer: bool) -> Markup:
        # `{{ _(msgid) }}` in a template: the translation as markup, formatted with nothing.
        say = Words.current()
        words = {msgid: Markup(say(msgid)) % {} for msgid in (
            "limit", "Deadline", "Working time", "Started", "Skipped", "Completed",
            "Entered after the fact", "Back-dated", "Note", "代办", "Start", "Complete",
            "Skip this step", "Skip", "Why this time?", "Earlier time or note")}
        on_behalf = Markup(say("代办 for %(department)s: %(reason)s"))
        lang = current_language()
        limits = {s.code: _limit_text(self.flow, s.code, s.limit, lang) for s in self.flow.steps}
        badges: dict[str, Markup] = {}
        remaining = cells.Remaining()
        manager: list[bool] = []  # can_manage(), asked when a form first needs it
        return Markup("".join(
            self._item(index, step, writer, words, on_behalf, limits, badges, remaining,
                       manager)
            for index, step in enumerate(self.view["steps"], 1)))

    def _item(self, index: int, step: dict[str, Any], writer: bool, words: dict[str, Markup],
              on_behalf: Markup, limits: dict[str, Any], badges: dict[str, Markup],
              remaining: cells.Remaining, manager: list[bool]) -> str:
        sla, code = step["sla"], step["code"]
        state = sla["state"]
        badge = badges.get(state)
        if badge is None:
            badge = badges[state] = cells.state_badge(state)
        status = step["status"]
        head = (f'\n        \n        <li class="step step-{escape(status)} tl-{escape(state)}" '
                f'id="step-{escape(code)}">\n          <div class="step-head">\n'
                f'            <span class="step-no">{index}</span>\n'
                f'            <div class="step-title">\n'
                f'              <h3>{escape(step["name"])}</h3>\n'
                f'              <p class="muted">{escape(step["department_name"])} · '
                f'{escape(labels.label(labels.STEP_STATUSES, status))} · {words["limit"]}: '
                f'{escape(limits[code])}</p>\n'
                f'            </div>\n'
                f'            <div class="step-state">{badge}</div>\n'
                f'          </div>\n'
                f'          {template_hook("application-step", app=self.app, step=step)}\n'
                f'          \n          ')
        facts = ""
        acts = step["on_behalf"]
        if sla["due_at"] or step["started_at"] or step["completed_at"] or step["note"] or acts:
            facts = (f'\n          <dl class="step-facts">\n            '
                     f'{self._due(sla, code, words)}\n            '
                     f'{self._live(sla, state, words, remaining)}\n            '
                     f'{self._started(step, words)}\n            '
                     f'{self._completed(step, status, words)}\n            '
                     f'{self._note(step, words)}\n            '
                     f'{self._acts(acts, words, on_behalf)}\n          </dl>\n          ')
        actions = self._actions(code, words, manager) if writer else ""
        return f"{head}{facts}\n          {actions}\n        </li>\n      "

    def _due(self, sla: dict[str, Any], code: str, words: dict[str, Markup]) -> str:
        if not sla["due_at"]:
            return ""
        return (f'<div><dt>{words["Deadline"]}</dt><dd>{cells.dt(sla["due_at"])}'
                f'{_why(self.why_steps.get(code), words)}</dd></div>')

    @staticmethod
    def _live(sla: dict[str, Any], state: str, words: dict[str, Markup],
              remaining: cells.Remaining) -> str:
        if state not in LIVE:
            return ""
        return (f'<div><dt>{words["Working time"]}</dt><dd class="countdown">'
                f'{remaining(sla)}</dd></div>')

    @staticmethod
    def _started(step: dict[str, Any], words: dict[str, Markup]) -> str:
        if not step["started_at"]:
            return ""
        return (f'<div><dt>{words["Started"]}</dt><dd>{cells.dt(step["started_at"])} · '
                f'{escape(step["started_by"] or "—")}</dd></div>')

    @staticmethod
    def _completed(step: dict[str, Any], status: str, words: dict[str, Markup]) -> str:
        if not step["completed_at"]:
            return ""
        done = words["Skipped"] if status == "skipped" else words["Completed"]
        backdated = (f' <span class="tag" title="{words["Entered after the fact"]}">'
                     f'{words["Back-dated"]}</span>') if step["backdated"] else ""
        return (f'<div><dt>{done}</dt><dd>{cells.dt(step["completed_at"])} · '
                f'{escape(step["completed_by"] or "—")}{backdated}</dd></div>')

    @staticmethod
    def _note(step: dict[str, Any], words: dict[str, Markup]) -> str:
        if not step["note"]:
            return ""
        return f'<div class="wide"><dt>{words["Note"]}</dt><dd>{escape(step["note"])}</dd></div>'

    @staticmethod
    def _acts(acts: list[Any], words: dict[str, Markup], on_behalf: Markup) -> str:
        parts = []
        for act in acts:
            said = on_behalf % {"department": cells._get(act, "department_name"),
                                "reason": cells._get(act, "reason")}
            parts.append(f'<div class="wide proxy"><dt>{words["代办"]}</dt><dd>{said} · '
                         f'{escape(cells._get(act, "by") or "—")}</dd></div>')
        return "".join(parts)

    def _actions(self, code: str, words: dict[str, Markup], manager: list[bool]) -> str:
        start = self.forms.get(("start", code))
        complete = self.forms.get(("complete", code))
        skip = self.forms.get(("skip", code))
        blocks = ""
        if start or complete or skip:
            number = self.view["number"]
            parts = []
            for form, endpoint, button in ((start, "start_step", "Start"),
                                           (complete, "complete_step", "Complete")):
                if not form:
                    parts.append("")
                    continue
                url = url_for(f"application_pages.{endpoint}", number=number, code=code)
                parts.append(
                    f'\n              <form method="post" action="{escape(url)}" '
                    f'class="action-form" novalidate>\n                '
                    f'{widgets.hidden_tag(form)}\n                '
                    f'<button type="submit" class="btn btn-primary">{words[button]}</button>'
                    f'\n                {_when_and_note(form, words, manager)}'
                    f'\n              </form>\n              ')
            skipping = ""
            if skip:
                url = url_for("application_pages.skip_step", number=number, code=code)
                skipping = (
                    f'\n              <details class="more skip"{" open" if skip.errors else ""}>'
                    f'\n                <summary>{words["Skip this step"]}</summary>'
                    f'\n                <form method="post" action="{escape(url)}" novalidate>'
                    f'\n                  {widgets.hidden_tag(skip)}'
                    f'\n                  {detail_fields.field(skip.note, rows=2)}'
                    f'\n                  <button type="submit" class="btn">{words["Skip"]}'
                    f'</button>\n                </form>\n              </details>'
                    f'\n              ')
            blocks = (f'\n            <div class="step-actions">\n              {parts[0]}'
                      f'\n              {parts[1]}\n              {skipping}'
                      f'\n            </div>\n            ')
        return f"\n            \n            \n            \n            {blocks}\n          "


def _why(explanation: Any, words: dict[str, Markup]) -> str:
    """macros.html's `why(explanation)`."""
    if not explanation:
        return ""
    lines = "".join(f"<li>{escape(line)}</li>" for line in explanation["lines"])
    return (f'<details class="why">\n  <summary>{words["Why this time?"]}</summary>\n'
            f'  <ol class="why-lines">{lines}</ol>\n</details>')


def _when_and_note(form: Any, words: dict[str, Markup], manager: list[bool]) -> str:
    """detail.html's `when_and_note(form)` macro."""
    proxy = getattr(form, "proxy_reason", None)
    opened = form.at.errors or form.note.errors or (proxy and proxy.errors)
    shown = ""
    if proxy:
        if not manager:
            manager.append(can_manage())
        if manager[0]:
            shown = detail_fields.field(proxy)
    return (f'<details class="more"{" open" if opened else ""}>\n'
            f'  <summary>{words["Earlier time or note"]}</summary>\n'
            f'  <div class="grid grid-2">\n    {detail_fields.field(form.at)}\n'
            f'    {detail_fields.field(form.note, rows=2)}\n    {shown}\n  </div>\n</details>')
