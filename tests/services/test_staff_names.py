"""services.staff.staff_names (plain rows, the owner select of the application page) names the
people staff() gives, in its order, as owner_choices drew them from User objects: the label
(display name, else user name) and the department's name in each language, "—" for none;
disabled accounts, auditors and machine accounts left out."""
from __future__ import annotations

from tracker.extensions import db
from tracker.models import User


def test_staff_names_are_the_staff(app, make_user):
    make_user("clerk", "b-clerk", department="customer_service")
    make_user("team_lead", "a-lead", department=None)
    make_user("auditor", "c-auditor")
    make_user("clerk", "d-gone")
    make_user("clerk", "e-plain", department="connection_team")
    with app.app_context():
        from tracker.services.staff import staff, staff_names

        gone = db.session.scalar(db.select(User).where(User.username == "d-gone"))
        gone.active = False
        plain = db.session.scalar(db.select(User).where(User.username == "e-plain"))
        plain.display_name = ""
        db.session.commit()
        for lang in ("zh", "en"):
            expected = [(u.username, u.label, u.department.name(lang) if u.department else None)
                        for u in staff()]
            assert staff_names(lang) == expected
        names = [row[0] for row in staff_names("zh")]
        assert "c-auditor" not in names and "d-gone" not in names
        assert ("e-plain", "e-plain") == staff_names("en")[names.index("e-plain")][:2]
