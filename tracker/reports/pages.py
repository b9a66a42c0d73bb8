"""The monthly report page: figures, charts, issued versions, downloads; and, for leads and
administrators, the notifications that could not be delivered. A download of a month above
TRACKER_REPORT_INLINE_LIMIT applications goes to its build page (builds.py): the progress,
then the link."""
from __future__ import annotations

import io
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import Select, bindparam, select

from ..errors import translate
from ..i18n import current_language
from ..models import MonthlyReport, Role, User
from ..services import notifications
from ..services.app_clock import app_clock, now
from ..services.errors import Conflict, DomainError, ValidationFailed
from ..services.months import Month, parse_month
from ..services.plain_reads import plain_rows
from ..sla import WorkingClock
from ..web.access import can_assess, can_manage, may_post
from ..web.forms import PostForm
from ..web.nav import NavItem
from .builds import (
    LIVE_REUSE,
    build_fields,
    current_stamp,
    download_name,
    file_response,
    get_build,
    ready_file,
    request_build,
    through_job,
    wanted,
)
from .csvfile import TABLES, iter_csv
from .html import report_context
from .issuance import get_issued, issue_monthly_report, report_data
from .xlsx import file_chunks, xlsx_file

bp = may_post(Blueprint("report_pages", __name__, template_folder="templates",
                        static_folder="static", static_url_path="/reports/static"),
              Role.ASSESSOR, Role.AUDITOR)  # the assessment office issues reports; an
# auditor only prepares downloads (a read): every POST view here checks its own role
NAV = [NavItem("report_pages.monthly", _l("Monthly report"), 80)]
PAGE_ROWS = 500  # overdue rows shown on the page; the downloads hold every row
KEPT_MONTHS = 4  # months whose live figures a process keeps for the page (_live_figures)
_FIGURES_LOCK = threading.Lock()
TABLE_NAMES = {"overdue": _l("Overdue list"), "flows": _l("Applications by flow"),
               "steps": _l("On-time rate by step"), "points": _l("Points deducted")}


def _wanted() -> tuple[Month, int | None, bool]:
    """Month (default: last month), version and live from the query string."""
    text = request.args.get("month")
    month = parse_month(text) if text else Month.containing(now()).previous()
    version = request.args.get("version", type=int)
    live = request.args.get("live") in ("1", "true", "yes")
    return month, version, live


@dataclass(frozen=True)
class _Figures:
    """Live figures as computed at `data["as_of"]`, for the events stamp and clock they were
    computed with."""

    stamp: int
    clock: WorkingClock
    as_of: datetime
    data: dict[str, Any]
    # what the page makes of them per language (report_context: its tables and charts)
    shown: dict[str, dict[str, Any]] = field(default_factory=dict)

    # the report's body drawn per language: it shows only the figures (at 1M applications a
    # month's body was 200 ms of every view, 70,000 escaped cells)
    bodies: dict[str, Markup] = field(default_factory=dict)

    def context(self, lang: str) -> dict[str, Any]:
        """report_context of the figures in `lang` (the request's locale), made once."""
        found = self.shown.get(lang)
        if found is None:
            found = self.shown[lang] = report_context(self.data, lang, overdue_limit=PAGE_ROWS)
        return found

    # and encoded: the page is the rest of it encoded and this put in (_page; at 1M
    # applications the body is 1.7 million characters, 2.6 MB, and encoding it and copying
    # it through Jinja's escape and joins was ~10 ms of every view)
    encoded: dict[str, bytes] = field(default_factory=dict)

    def body(self, lang: str) -> Markup:
        """reports/_body.html of the figures in `lang`, drawn once."""
        found = self.bodies.get(lang)
        if found is None:
            found = self.bodies[lang] = _body(self.context(lang))
        return found

    def body_bytes(self, lang: str) -> bytes:
        """body(lang) in UTF-8, encoded once."""
        found = self.encoded.get(lang)
        if found is None:
            found = self.encoded[lang] = self.body(lang).encode()
        return found


def _body(shown: dict[str, Any]) -> Markup:
    """The report's body (reports/_body.html reads only report_context's names)."""
    return Markup(render_template("reports/_body.html", **shown))


def _live_figures(month: Month) -> _Figures:
    """The month's live figures for the page: the ones this process computed last, while no
    event was recorded since, the calendar (closures, holiday files) is the same and they are
    at most LIVE_REUSE old (as a report build is reused); else computed now.

    The page says when they were computed ("Figures as of …"). A live report of a month reads
    the whole month (~0.5 s at 100k applications, seconds at 1M): computed on every view it
    was 529x the log-in page. Kept per application object, so two applications (two test
    databases) never share figures."""
    cache: OrderedDict[str, _Figures] = current_app.extensions.setdefault(
        "report_page_figures", OrderedDict())
    stamp, clock, moment = current_stamp(), app_clock(), now()
    with _FIGURES_LOCK:
        kept = cache.get(month.label)
    if (kept is not None and kept.stamp == stamp and kept.clock is clock
            and timedelta(0) <= moment - kept.as_of <= LIVE_REUSE):
        return kept
    kept = _Figures(stamp, clock, moment, report_data(month, live=True))
    with _FIGURES_LOCK:
        cache[month.label] = kept
        cache.move_to_end(month.label)
        while len(cache) > KEPT_MONTHS:
            cache.popitem(last=False)
    return kept


def _shown(month: Month, version: int | None, live: bool, lang: str,
           issued: bool = True) -> tuple[dict[str, Any], Markup, bytes | None]:
    """The report's part of the page, from the figures report_data would choose: the version
    asked for or the latest issued one as stored; else (or with `live`) the live figures,
    kept with what the page makes of them (_live_figures). Returns report_context's names,
    the report drawn (its body) and, for kept figures, that body encoded (None: encode it).
    `issued` False: the caller read that no version of the month is issued (none is looked
    for then, unless one was asked for)."""
    if not live and (issued or version is not None):
        row = get_issued(month, version)
        if row is not None:
            shown = report_context(row.data, lang, overdue_limit=PAGE_ROWS)
            return shown, _body(shown), None
        if version is not None:
            report_data(month, version=version)  # never issued: its NotFound
    figures = _live_figures(month)
    return figures.context(lang), figures.body(lang), figures.body_bytes(lang)


# Where the page's template puts the body, replaced by the body's bytes (_page); no page
# holds it otherwise.
BODY_MARK = "<!--report-body-5647382910564738291-->"


def _page(month: Month, version: int | None, live: bool, status: int = 200,
          message: str | None = None) -> Any:
    lang = current_language()
    # The versions first: when none is issued, the latest is not looked for (one statement
    # fewer on the page of a month not issued yet).
    versions = _versions(month)
    shown, body, encoded = _shown(month, version, live, lang, issued=bool(versions))
    manager = can_manage()
    page = render_template(
        "reports/monthly.html", month=month, version=version, live=live, message=message,
        versions=versions, can_issue=manager or can_assess(), form=PostForm(formdata=None),
        month_ended=now() >= month.end, outbox=notifications.outbox_counts() if manager else None,
        failed=notifications.list_outbox("failed", 50) if manager else [],
        csv_tables=TABLES, table_names=TABLE_NAMES, **shown, body=Markup(BODY_MARK))
    # The page drawn around a mark, encoded, and the body's bytes put in its place: the
    # bytes Flask would send for the page drawn with the body (UTF-8 encodes piece by piece).
    head, mark, tail = page.partition(BODY_MARK)
    if not mark or BODY_MARK in tail:  # pragma: no cover - a mark only _page puts there
        raise RuntimeError("the report page's body mark is not there exactly once")
    return Response(b"".join((head.encode(), encoded if encoded is not None
                              else body.encode(), tail.encode())), status)


def _versions(month: Month) -> list[dict[str, Any]]:
    """The month's issued versions, newest first, with who issued each (list_issued's rows
    and their issuers' labels, read in one statement)."""
    return [{"month": r.month, "version": r.version, "issued_at": r.issued_at,
             "issued_by": (r.display_name or r.username) if r.username is not None else None}
            for r in plain_rows(_versions_statement(), {"month": month.label})]


@cache
def _versions_statement() -> Select:
    """_versions' statement (binding :month), built once per process."""
    return (select(MonthlyReport.month, MonthlyReport.version, MonthlyReport.issued_at,
                   User.display_name, User.username)
            .outerjoin(User, User.id == MonthlyReport.issued_by_id)
            .where(MonthlyReport.month == bindparam("month"))
            .order_by(MonthlyReport.month.desc(), MonthlyReport.version.desc()))


@bp.route("/reports/monthly")
def monthly() -> Any:
    try:
        month, version, live = _wanted()
    except ValidationFailed as exc:
        return _page(Month.containing(now()).previous(), None, False, 422,
                     translate(exc.message, exc.params))
    return _page(month, version, live)


@bp.route("/reports/monthly/<month>.xlsx")
def monthly_xlsx(month: str) -> Any:
    parsed = parse_month(month)
    version = request.args.get("version", type=int)
    live = request.args.get("live") in ("1", "true", "yes")
    lang = current_language()
    stored = None if live else get_issued(parsed, version)
    name = download_name(parsed, "xlsx", "", stored.version if stored else None)
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if stored is not None and stored.xlsx and lang == "zh":
        # exactly the workbook that was issued
        return send_file(io.BytesIO(stored.xlsx), as_attachment=True, mimetype=mimetype,
                         download_name=name)
    if through_job(parsed):
        return _to_build(parsed, "xlsx", "overdue", version, live)
    # Built in a temporary file in constant memory, streamed from there.
    content = xlsx_file(report_data(parsed, version=version, live=live), lang)
    return Response(file_chunks(content), mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.route("/reports/monthly/<month>.csv")
def monthly_csv(month: str) -> Any:
    parsed = parse_month(month)
    table = request.args.get("table", "overdue")
    if table not in TABLES:
        raise ValidationFailed("Unknown table.", fields={"table": ["Unknown table."]})
    version = request.args.get("version", type=int)
    live = request.args.get("live") in ("1", "true", "yes")
    if through_job(parsed):
        return _to_build(parsed, "csv", table, version, live)
    data = report_data(parsed, version=version, live=live)
    # Streamed: rows are made as the client reads them (stream_with_context keeps the
    # request's language for the generator).
    name = download_name(parsed, "csv", table, None)
    return Response(stream_with_context(iter_csv(data, table, current_language())),
                    mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


def _to_build(month: Month, kind: str, table: str, version: int | None, live: bool) -> Any:
    """A download too big for a request: the build that makes it (queued now, or reused)."""
    row, _new = request_build(wanted(month, kind, table=table, lang=current_language(),
                                     version=version, live=live), current_user)
    return redirect(url_for(".build", month=row.month, build_id=row.id), 303)


@bp.route("/reports/monthly/<month>/builds", methods=["POST"])
def prepare(month: str) -> Any:
    """"Prepare the download": have the job build the file, then show its progress."""
    parsed = parse_month(month)
    if not PostForm().validate_on_submit():
        flash(_("The form has expired; reload and try again."), "error")
        return redirect(url_for(".monthly", month=parsed.label), 303)
    kind, _sep, table = request.form.get("what", "xlsx").partition(":")
    try:
        return _to_build(parsed, kind, table or "overdue",
                         request.form.get("version", type=int),
                         request.form.get("live") in ("1", "true", "yes"))
    except DomainError as exc:
        flash(translate(exc.message, exc.params), "error")
        return redirect(url_for(".monthly", month=parsed.label), 303)


def _build_page(month: str, build_id: int, status: int = 200, message: str | None = None
                ) -> Any:
    row = get_build(month, build_id)
    item = build_fields(row)
    what = f"csv:{item['table']}" if item["kind"] == "csv" else item["kind"]
    return render_template(
        "reports/build.html", build=item, what=what,
        message=message, form=PostForm(formdata=None), table_names=TABLE_NAMES,
        status_url=url_for(".build_json", month=row.month, build_id=row.id),
        file_url=url_for(".build_file", month=row.month, build_id=row.id)), status


@bp.route("/reports/monthly/<month>/builds/<int:build_id>")
def build(month: str, build_id: int) -> Any:
    """A build's progress, and its link once done (build.js keeps it current)."""
    return _build_page(month, build_id)


@bp.route("/reports/monthly/<month>/builds/<int:build_id>.json")
def build_json(month: str, build_id: int) -> Any:
    """What build.js polls: the build as the API gives it (state, progress, stage)."""
    return jsonify(build_fields(get_build(month, build_id)))


@bp.route("/reports/monthly/<month>/builds/<int:build_id>/file")
def build_file(month: str, build_id: int) -> Any:
    try:
        row = ready_file(get_build(month, build_id))
    except Conflict as exc:
        return _build_page(month, build_id, 409, translate(exc.message, exc.params))
    return file_response(row)


@bp.route("/reports/monthly/<month>/issue", methods=["POST"])
def issue(month: str) -> Any:
    parsed = parse_month(month)
    if not (can_manage() or can_assess()):
        return _page(parsed, None, False, 403,
                     _("Only a team lead, an administrator or the assessment office may issue "
                       "a report."))
    if not PostForm().validate_on_submit():
        return _page(parsed, None, False, 400, _("The form has expired; reload and try again."))
    try:
        row = issue_monthly_report(parsed, current_user)
    except DomainError as exc:
        return _page(parsed, None, False, exc.status, translate(exc.message, exc.params))
    flash(_("The %(month)s report was issued as version %(version)s.",
            month=row.month, version=row.version), "success")
    return redirect(url_for(".monthly", month=row.month, version=row.version))


@bp.route("/reports/notifications/<int:notification_id>/retry", methods=["POST"])
def retry_notification(notification_id: int) -> Any:
    back = request.form.get("month") or None
    if not can_manage():
        flash(_("Only a team lead or an administrator may retry a notification."), "error")
        return redirect(url_for(".monthly", month=back)), 303
    if not PostForm().validate_on_submit():
        flash(_("The form has expired; reload and try again."), "error")
        return redirect(url_for(".monthly", month=back)), 303
    try:
        notifications.retry(notification_id, current_user, now())
    except DomainError as exc:
        flash(translate(exc.message, exc.params), "error")
    else:
        flash(_("Notification %(id)s will be sent again.", id=notification_id), "success")
    return redirect(url_for(".monthly", month=back) + "#outbox"), 303
