"""web.cells.Remaining (the time-left cell with its words looked up once per page) draws what
the template's `_(msgid, hours=value | working_hours)` drew, in both languages, for every
state and value shown."""
from __future__ import annotations

import pytest
from markupsafe import Markup

SLAS = [
    {"state": state, "over_hours": over, "remaining_hours": left}
    for state in ("on_track", "warning", "paused", "overdue", "done_late", "done_on_time",
                  "cancelled", "not_started", "skipped")
    for over, left in ((None, None), (0.0, 3.25), (54.0, 0), (1.04, None), (0.05, 12.0),
                       (2.35, 0.0))
]


def _as_before(sla: dict) -> Markup:
    """macros.html `remaining` as its Jinja gettext rendered it."""
    from flask_babel import gettext

    from tracker.web.formatting import working_hours

    def hours(msgid: str, value) -> Markup:
        return Markup(gettext(msgid)) % {"hours": working_hours(value)}

    state, over, left = sla["state"], sla["over_hours"], sla["remaining_hours"]
    if state == "overdue":
        return Markup('<span class="over">%s</span>') % hours("%(hours)s over", over)
    if state == "done_late" and over:
        return Markup('<span class="over">%s</span>') % hours("%(hours)s late", over)
    if left is not None and state in ("on_track", "warning", "paused"):
        return hours("%(hours)s left", left)
    return Markup("—")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_page_remaining_cell_is_the_template_one(app, lang):
    from tracker.web import cells

    with app.test_request_context(f"/?lang={lang}"):
        page = cells.Remaining()
        for sla in SLAS:
            expected = _as_before(sla)
            assert page(sla) == expected, sla
            assert cells.remaining(sla) == expected, sla
            assert type(page(sla)) is Markup
        from flask_babel import gettext

        from tracker.web.formatting import working_hours
        for seconds in (None, 0, 7200, 5400.5):
            assert cells.hours_of_seconds("%(hours)s over", seconds) == \
                Markup(gettext("%(hours)s over")) % {
                    "hours": working_hours(None if seconds is None else seconds / 3600)}
