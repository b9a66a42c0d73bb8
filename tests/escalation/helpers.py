"""Problems as the escalation tests need them: registered and issued (下达) at once, so that
their verification clock runs from the frozen moment (seed 000 六 2: the clock starts at 下达)."""
from __future__ import annotations

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Department, Role, User


def assessment_office() -> User:
    """The assessment office's user (role `assessor`), who issues problems to departments."""
    user = db.session.scalar(select(User).where(User.username == "esc-assessor"))
    if user is None:
        dept = db.session.scalar(select(Department).where(Department.code == "human_resources"))
        user = User(username="esc-assessor", display_name="考核办", role=Role.ASSESSOR,
                    department=dept)
        user.set_password("correct-horse-9")
        db.session.add(user)
        db.session.commit()
    return user


def issued_problem(reporter: User, description: str = "营业厅排队过长",
                   department: str = "engineering"):
    """A problem reported by `reporter` and issued to `department` now."""
    from tracker.problems.commands import NewProblem, create_problem, issue

    problem = create_problem(NewProblem(source="officer", description=description,
                                        department=department), reporter)
    return issue(problem.number, assessment_office())
