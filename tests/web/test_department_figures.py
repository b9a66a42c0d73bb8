"""The dashboard's per-department figures (issue 13): open duties, due today, overdue and the
on-time rate of this month's finished duties; each number links to My work's department tab
filtered the same way, and that list honours the filter (page and API)."""
from __future__ import annotations

import re

import sqlalchemy as sa

from tests.fixtures.app import local
from tests.fixtures.web import page_text


def _complete(app, number: str, code: str) -> None:
    from tracker.extensions import db
    from tracker.models import User
    from tracker.services import applications as service

    with app.app_context():
        actor = db.session.scalar(sa.select(User).where(User.username == "clerk1"))
        service.complete_step(number, code, actor)
        db.session.remove()


def _cells(page: str, code: str) -> list[str]:
    row = page.split(f'id="dept-{code}"', 1)[1].split("</tr>", 1)[0]
    return [re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]


def test_department_figures_and_the_lists_behind_them(client, web_login, app, new_application,
                                                      make_user, frozen, api_as):
    traveller = frozen(local(2026, 10, 12, 9, 0), tick=True)
    make_user("clerk", "clerk1")
    a, d = new_application("201"), new_application("201")  # Monday: surveys due that day
    traveller.move_to(local(2026, 10, 13, 9, 0))
    b, c = new_application("201"), new_application("201")  # Tuesday: due by today's close
    traveller.move_to(local(2026, 10, 13, 9, 30))
    _complete(app, c, "survey")  # on time; its municipal approval is due today
    traveller.move_to(local(2026, 10, 13, 10, 0))
    _complete(app, a, "survey")  # a day late; its municipal approval is due today
    # Connection team at Tue 13 Oct 10:00: open D's and B's surveys, C's and A's approvals;
    # due today B's survey and both approvals; overdue D's survey (due Mon 12 Oct); this
    # month's finished duties: C's survey on time, A's late (50%).
    web_login("team_lead", "lead1")
    page = page_text(client.get("/dashboard"))
    assert _cells(page, "connection_team") == ["4", "3", "1", "50%"]
    assert _cells(page, "engineering") == ["0", "0", "0", "—"]

    overdue_link = re.search(r'class="dept-overdue" href="([^"]+)"',
                             page.split('id="dept-connection_team"', 1)[1]).group(1)
    overdue = page_text(client.get(overdue_link.replace("&amp;", "&")))
    rows = overdue.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr")[1:]
    assert len(rows) == 1 and d in rows[0] and "仅显示已超时的待办。" in overdue
    today = page_text(client.get("/work?tab=department&department=connection_team&due=today"))
    rows = today.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr")[1:]
    assert sorted(re.search(r"201-2026-\d+", r).group(0) for r in rows) == sorted([a, b, c])
    api = api_as("clerk", "cs-api")
    assert api.get("/api/v1/me/work?due=today")["total"] == 3
    assert [i["number"] for i in api.get("/api/v1/me/work?due=overdue")["items"]] == [d]
    assert api.get("/api/v1/me/work")["total"] == 4
    api.get("/api/v1/me/work?due=soon", status=422)

    client.get("/language/en")
    page = page_text(client.get("/dashboard"))
    assert "By department" in page and "On time this month" in page
