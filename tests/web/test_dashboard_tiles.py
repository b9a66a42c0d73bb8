"""Every tile of the dashboard is a link to the list behind it (issue 13), and that list has
as many rows as the tile says: due today (the application list, due=today), completed this
month (the application list, completed=<month>), the callback rate (the callbacks of the
applications whose water went on this month; done of due)."""
from __future__ import annotations

import html
import re

import sqlalchemy as sa

from tests.fixtures.app import local
from tests.fixtures.web import complete_all, page_text, rows_of


def _tile(page: str, tile_id: str) -> tuple[str, str]:
    """(the tile's number, the address it links to)."""
    tile = re.search(rf'<a class="[^"]*" id="{tile_id}" href="([^"]+)">(.*?)</a>', page,
                     re.DOTALL)
    assert tile, f"{tile_id} is not a link"
    value = re.search(r'<span class="tile-value">([^<]*)</span>', tile.group(2)).group(1)
    return value.strip(), html.unescape(tile.group(1))


def _call_back(app, number: str) -> None:
    """The customer reached and satisfied: the application's callback is done."""
    from tracker.aftercare import commands, queries
    from tracker.extensions import db
    from tracker.models import Application, User

    with app.app_context():
        actor = db.session.scalar(sa.select(User).where(User.username == "cs1"))
        found = db.session.scalar(sa.select(Application).where(Application.number == number))
        commands.record_callback_result(queries.callback_of(found.id).id, actor, reached=True,
                                        satisfied=True, comment="满意")
        db.session.remove()


def test_each_tile_links_to_a_list_with_as_many_rows(client, web_login, app, new_application,
                                                     make_user, frozen):
    traveller = frozen(local(2026, 9, 28, 9, 0), tick=True)
    make_user("clerk", "clerk1")
    make_user("clerk", "cs1", department="customer_service")
    september = new_application("201")
    complete_all(app, september, "clerk1")  # water on in September: not this month's
    traveller.move_to(local(2026, 10, 12, 9, 0))
    overdue = new_application("201")  # its survey was due on Monday: overdue, not due today
    done_a, done_b = new_application("201"), new_application("201")
    complete_all(app, done_a, "clerk1")
    complete_all(app, done_b, "clerk1")
    _call_back(app, done_a)
    traveller.move_to(local(2026, 10, 13, 9, 0))
    today_a, today_b = new_application("201"), new_application("201")  # surveys due today

    web_login("team_lead", "lead1")
    page = page_text(client.get("/dashboard"))

    due, due_link = _tile(page, "tile-due-today")
    listed = page_text(client.get(due_link))
    numbers = sorted(re.search(r"201-2026-\d+", row).group(0) for row in rows_of(listed))
    assert due == "2" and numbers == sorted([today_a, today_b]) and overdue not in numbers

    completed, completed_link = _tile(page, "tile-completed")
    listed = page_text(client.get(completed_link))
    numbers = sorted(re.search(r"201-2026-\d+", row).group(0) for row in rows_of(listed))
    assert completed == "2" and numbers == sorted([done_a, done_b])

    rate, callbacks_link = _tile(page, "tile-callbacks")
    assert rate == "50%"
    due_callbacks = rows_of(page_text(client.get(callbacks_link)).split('id="callbacks"', 1)[1])
    assert sorted(re.search(r"201-2026-\d+", r).group(0) for r in due_callbacks) == \
        sorted([done_a, done_b])  # September's callback is not this month's
    done_link = callbacks_link.replace("status=all", "status=done")
    done_callbacks = rows_of(page_text(client.get(done_link)).split('id="callbacks"', 1)[1])
    assert [re.search(r"201-2026-\d+", r).group(0) for r in done_callbacks] == [done_a]
    assert 2 * len(done_callbacks) == len(due_callbacks)  # the 50% the tile shows


def test_the_lists_refuse_a_month_that_is_not_one(client, web_login):
    web_login("team_lead", "lead2")
    refused = client.get("/applications?completed=2026-13")
    assert refused.status_code == 422
    assert "YYYY-MM" in page_text(refused)
