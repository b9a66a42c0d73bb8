"""My work: two tabs, "mine" (the duties given to me, and those nobody has taken yet on the
applications I own: services.work._mine) and "my department's" (every open duty of a
department), overdue first, then the soonest deadline; a duty is taken or given from here."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..i18n import current_language, pick
from ..services.owners import department_people
from ..services.reference import departments
from ..services.work import DUE_FILTERS, my_work
from .access import can_manage
from .forms import page_number

bp = Blueprint("work", __name__)
PER_PAGE = 50
TABS = ("department", "mine")


@bp.route("/work")
def index() -> Any:
    lang = current_language()
    known = departments()
    mine = current_user.department.code if current_user.department else None
    tab = request.args.get("tab", "department")
    tab = tab if tab in TABS else "department"
    chosen = request.args.get("department", mine or "all")
    department = chosen if chosen in known else None
    if department is None:
        chosen = "all"
    person = current_user.id if tab == "mine" else None
    due = request.args.get("due")
    due = due if due in DUE_FILTERS else None
    result = my_work(department, page_number(), PER_PAGE, person=person, due=due)
    options = [("all", None)] + [(code, pick(d.name_zh, d.name_en, lang))
                                 for code, d in known.items()]
    # Whom a team lead can give each duty to: the people of its department (one query).
    people = department_people({r.department for r in result["items"] if r.duty_id}) \
        if can_manage() else {}
    return render_template("work/index.html", rows=result["items"], total=result["total"],
                           page=result["page"], pages=result["pages"], chosen=chosen,
                           mine=mine, options=options, tab=tab, people=people, due=due)
