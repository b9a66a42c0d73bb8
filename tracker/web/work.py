"""My work: every open duty of my department, overdue first, then the soonest deadline."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..i18n import current_language, pick
from ..services.reference import departments
from ..services.work import my_work
from .forms import page_number

bp = Blueprint("work", __name__)
PER_PAGE = 50


@bp.route("/work")
def index() -> Any:
    lang = current_language()
    known = departments()
    mine = current_user.department.code if current_user.department else None
    chosen = request.args.get("department", mine or "all")
    department = chosen if chosen in known else None
    if department is None:
        chosen = "all"
    result = my_work(department, page_number(), PER_PAGE)
    options = [("all", None)] + [(code, pick(d.name_zh, d.name_en, lang))
                                 for code, d in known.items()]
    return render_template("work/index.html", rows=result["items"], total=result["total"],
                           page=result["page"], pages=result["pages"], chosen=chosen,
                           mine=mine, options=options)
