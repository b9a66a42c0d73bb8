"""Demo data: users for every role and a year of applications through the real services, and
the `demo` command group. Above every feature (it seeds them all), beside the factory."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import func, select

from .aftercare.commands import close_follow_up, record_callback_result
from .aftercare.models import Callback, FollowUp
from .customer.demo import load_appointments
from .documents.demo import file_documents
from .extensions import db
from .intake.commands import receive
from .intake.platforms import Push
from .localtime import LOCAL
from .models import ApiToken, Application, Department, Role, User
from .problems.commands import NewProblem, create_problem, issue, report_rectified, verify
from .services import applications as apps
from .services.app_clock import app_clock, as_of, now
from .services.errors import DomainError
from .services.flows import sync_flows
from .services.reference import departments, ensure_departments
from .web.labels import ROLES

DEMO_USERS = [
    # username, role, department, display name, password
    ("lead", Role.TEAM_LEAD, "connection_team", "王专班", "demo-lead-2026"),
    ("clerk", Role.CLERK, "connection_team", "李受理", "demo-clerk-2026"),
    ("hall", Role.CLERK, "business_hall", "赵营业", "demo-hall-2026"),
    ("engineer", Role.ENGINEER, "engineering", "张工程", "demo-engineer-2026"),
    ("service", Role.CLERK, "customer_service", "陈客服", "demo-service-2026"),
    ("auditor", Role.AUDITOR, "inspection_office", "刘督查", "demo-auditor-2026"),
    ("assessor", Role.ASSESSOR, "human_resources", "孙考核", "demo-assessor-2026"),
    ("admin", Role.ADMIN, "market_development", "系统管理员", "demo-admin-2026"),
]

COMPANIES = ["芜湖华信电子有限公司", "安徽江城食品有限公司", "芜湖鸠江建设工程有限公司",
             "胶州市福源物流有限公司", "芜湖市第三中学", "弋江区幸福里小区物业", "芜湖新材料科技有限公司",
             "青岛胶东酒店管理有限公司", "芜湖德胜医疗器械有限公司", "镜湖区阳光幼儿园"]
PEOPLE = ["陈先生", "王女士", "刘先生", "周女士", "吴先生", "孙女士"]
ROADS = ["北京东路", "银湖北路", "赭山西路", "九华中路", "长江南路", "胶州湾路"]


def create_demo_users() -> dict[str, User]:
    ensure_departments()
    depts = {d.code: d for d in db.session.scalars(select(Department))}
    users = {}
    for username, role, dept, name, password in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username, role=role, department=depts.get(dept), display_name=name)
            user.set_password(password)
            db.session.add(user)
        users[username] = user
    for platform in ("gongai", "qiyekaiban"):
        if db.session.scalar(select(User).where(User.username == platform)) is None:
            db.session.add(User(username=platform, role=Role.PLATFORM,
                                display_name={"gongai": "工改平台", "qiyekaiban": "企业开办平台"}[platform]))
    db.session.commit()
    return users


def _working_instant(day: date, rng: random.Random) -> datetime:
    minutes = rng.choice([rng.randint(0, 210), rng.randint(300, 540)])  # morning or afternoon
    return datetime.combine(day, time(8, 30), tzinfo=LOCAL) + timedelta(minutes=minutes)


def load_demo(months: int = 12, per_working_day: float = 1.2, seed: int = 2026) -> int:
    """Create a year of applications (idempotent: does nothing if applications exist)."""
    users = create_demo_users()
    sync_flows()
    if db.session.scalar(select(func.count(Application.id))):
        return 0
    rng = random.Random(seed)
    clock = app_clock()
    today = now().astimezone(LOCAL).date()
    first = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    created = 0
    day = first
    while day <= today:
        if clock.is_working_day(day):
            rate = per_working_day * (3 if (today - day).days < 10 else 1)
            count = int(rate) + (1 if rng.random() < rate % 1 else 0)
            for _ in range(count):
                if _one_application(day, today, rng, users, clock):
                    created += 1
        day += timedelta(days=1)
    _demo_callbacks(rng, users, clock)
    _demo_intake(rng, clock)
    _demo_problems(rng, users, clock)
    load_appointments()
    return created


def _demo_callbacks(rng: random.Random, users: dict[str, User], clock) -> None:
    """Most callbacks done within a day or two; a few customers not satisfied."""

    moment = now()
    rows = db.session.execute(
        select(Callback.id, Application.water_on_at).join(Application,
                                                          Application.id == Callback.application_id)
        .where(Callback.status == "open").order_by(Callback.id)).all()
    for callback_id, water_on_at in rows:
        at = clock.add_working_time(water_on_at, clock.working_day_length * rng.uniform(0.2, 2.5))
        if at > moment or rng.random() < 0.04:
            continue  # not called yet
        satisfied = rng.random() > 0.04
        try:
            with as_of(at):
                callback = record_callback_result(
                    callback_id, users["service"], reached=True, satisfied=satisfied,
                    comment="" if satisfied else "通水时间比预约晚，客户不满意")
            if not satisfied and callback.application_id:

                follow_up = db.session.scalar(select(FollowUp).where(
                    FollowUp.callback_id == callback_id))
                visit = clock.add_working_time(at, clock.working_day_length)
                if follow_up is not None and visit < moment:
                    with as_of(visit):
                        close_follow_up(follow_up.id, users["service"],
                                        action_taken="上门致歉并说明原因，客户表示理解",
                                        evidence="上门回访记录单")
        except DomainError:
            db.session.rollback()


def _demo_intake(rng: random.Random, clock) -> None:
    """A few platform pushes waiting to be screened (甄别)."""

    moment = now()
    for index in range(4):
        received = clock.add_working_time(moment - timedelta(days=3), timedelta(hours=index * 2))
        if received > moment:
            continue
        requested = clock.add_working_days(received, 2)
        payload = {"external_id": f"GG-2026-{9100 + index}",
                   "project_name": f"{rng.choice(ROADS)}新建厂房项目（{index + 1}期）",
                   "address": f"{rng.choice(ROADS)}{rng.randint(1, 300)}号",
                   "contact_name": rng.choice(PEOPLE), "contact_phone": "0553-5550000",
                   "water_need": "DN50 生产生活用水", "requested_at": requested.isoformat()}
        with as_of(received):
            receive("gongai", Push(external_id=payload["external_id"],
                                   project_name=payload["project_name"],
                                   address=payload["address"],
                                   contact_name=payload["contact_name"],
                                   contact_phone=payload["contact_phone"],
                                   water_need=payload["water_need"], requested_at=requested),
                    payload, None)


def _demo_problems(rng: random.Random, users: dict[str, User], clock) -> None:
    """Problems found by service experience officers and the hotline, at several stages."""

    moment = now()
    samples = [
        ("officer", "营业厅叫号屏故障，客户排队无提示", "business_hall", "镜湖营业厅"),
        ("hotline_12345", "客户反映报装进度查询不到", "connection_team", "线上渠道"),
        ("visit", "施工后路面未恢复", "engineering", "银湖北路88号"),
        ("haochaping", "工作人员解释政策不清楚", "business_hall", "弋江营业厅"),
    ]
    for index, (source, text, dept, where) in enumerate(samples):
        reported = clock.add_working_time(moment - timedelta(days=12 - index * 3), timedelta(hours=1))
        try:
            with as_of(reported):
                problem = create_problem(NewProblem(source=source, description=text,
                                                    department=dept, location=where),
                                         users["lead"])
                issue(problem.number, users["assessor"])  # 下达 by the assessment office
            # each stage by staff of the responsible department (separation of duties)
            staff = users[{"business_hall": "hall", "engineering": "engineer"}.get(dept, "clerk")]
            if index < 3:
                checked = clock.add_working_days(reported, 1)
                with as_of(checked):
                    verify(problem.number, staff, is_problem=True, note="情况属实",
                           rectify_due_at=clock.add_working_days(checked, 5))
                if index == 0:
                    with as_of(clock.add_working_days(checked, 2)):
                        report_rectified(problem.number, staff, note="已更换叫号屏")
        except DomainError:
            db.session.rollback()


def _one_application(day: date, today: date, rng: random.Random, users: dict[str, User],
                     clock) -> bool:
    flow = rng.choices(["201", "101", "211"], weights=[6, 2, 2])[0]
    accepted = _working_instant(day, rng)
    moment = now()
    if accepted > moment:
        return False
    company = rng.random() < 0.8
    data = apps.NewApplication(
        flow=flow, customer_type="company" if company else "person",
        customer_name=rng.choice(COMPANIES) if company else rng.choice(PEOPLE),
        contact_name=rng.choice(PEOPLE), contact_phone=f"13{rng.randint(100000000, 999999999)}",
        address=f"{rng.choice(ROADS)}{rng.randint(1, 300)}号",
        channel="platform" if flow == "101" else rng.choice(["window", "online", "phone"]),
        accepted_at=accepted,
        requested_at=clock.add_working_days(accepted, rng.choice([0.5, 1, 2])) if flow == "101" else None,
    )
    if flow == "211" and rng.random() < 0.3:
        data.missing_materials = ["产权证明"]
        data.materials_promised_on = clock.working_day_after(accepted.astimezone(LOCAL).date(), 3)
    try:
        with as_of(accepted):
            app = apps.create_application(data, users["clerk"])
        _work_through(app.number, accepted, rng, users, clock, moment)
    except DomainError:
        db.session.rollback()
        return False
    return True


def _work_through(number: str, accepted: datetime, rng: random.Random, users: dict[str, User],
                  clock, moment: datetime) -> None:
    """Log the steps as staff would: mostly on time, some late, some paused, some left open."""
    at = accepted
    slow = rng.random() < 0.12
    recent = clock.working_time_between(accepted, moment) < clock.working_day_length * 6
    # Recent applications are still being worked on: stop some of them part-way.
    actions = rng.randint(0, 3) if recent and rng.random() < 0.85 else 12
    for _ in range(actions):
        app = apps.get_application(number)
        ready = [s for s in app.steps if s.status.value in ("ready", "started")]
        if not ready or app.status.value == "cancelled":
            return
        step = ready[0]
        definition = apps.flow_of(app).step(step.code)
        gap = clock.working_day_length * (rng.uniform(0.5, 1.6) if slow else rng.uniform(0.02, 0.15))
        at = clock.add_working_time(max(at, step.timer.started_at if step.timer else at), gap)
        if at > moment:
            return  # still in progress today
        # Each step by its department's demo user; a department without one (采购中心) has the
        # team lead act on its behalf (代办), as the separation of duties asks.
        own = DEMO_STAFF.get(step.department_code)
        actor = users[own] if own else users["lead"]
        proxy = None if own else "演示数据：该部门未配置演示账号，由专班组长代办"
        with as_of(at):
            if definition.skippable and rng.random() < 0.7:
                apps.skip_step(number, step.code, actor, note="无需市政审批", proxy_reason=proxy)
            elif definition.needs_start and step.status.value == "ready":
                apps.start_step(number, step.code, actor, proxy_reason=proxy)
            elif definition.closes_file and app.missing_materials and not app.materials_supplied_at:
                apps.supply_materials(number, actor)  # 容缺: documents in before the archive
            else:
                if rng.random() < 0.01:
                    apps.cancel_application(number, "客户撤回申请", actor)
                    return
                # The archive check: the documents the step needs go on file first.
                file_documents(number, step.code, actor)
                apps.complete_step(number, step.code, actor, note="", proxy_reason=proxy)


# The demo user of each department that has one (the others' steps are done by 代办).
DEMO_STAFF = {"engineering": "engineer", "business_hall": "hall", "connection_team": "clerk",
              "customer_service": "service"}


def issue_token(username: str) -> str:
    user = db.session.scalar(select(User).where(User.username == username))
    row, plain = ApiToken.issue(user, "demo")
    db.session.add(row)
    db.session.commit()
    return plain


# --- `flask --app tracker demo load` ----------------------------------------------------

demo_cli = AppGroup("demo", help="Demo data (演示数据).")


@demo_cli.command("load")
@click.option("--months", default=12, show_default=True, help="How many months of history.")
def load(months: int) -> None:
    """Create demo users and applications (does nothing to applications if some exist)."""
    created = load_demo(months=months)
    click.echo(f"demo applications created: {created}")
    print_logins()


@demo_cli.command("logins")
def logins() -> None:
    """Print every demo user's log-in and password with the role (what `make run` shows)."""
    print_logins()


def print_logins() -> None:
    for username, role, dept, name, password in DEMO_USERS:
        with force_locale("zh"):
            zh = str(ROLES[role.value])
        with force_locale("en"):
            en = str(ROLES[role.value])
        click.echo(f"  {username:<9} {password:<20} {zh} / {en}, {departments()[dept].name_zh}"
                   f" {name}")
