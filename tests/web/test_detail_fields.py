"""The application page's kept field drawings (web.detail_fields.field) are byte for byte what
web.widgets.field draws (issue 15): every field the page draws while the check is on is drawn
both ways, the kept one first (so from the store once the field was seen), and the two must be
equal. The pages: the golden pages' data set (open, overdue, paused, cancelled, completed,
容缺, owners) as a team lead, a clerk and an auditor in both languages, twice; and one
application taken through refused forms (errors, typed values), a pause, a skipped step."""
from __future__ import annotations

import pytest
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from tests.fixtures.app import local
from tests.fixtures.web import form_post, login, page_text, version_in
from tests.web.test_application_pages import step_action
from tests.web.test_pages_same_html import generated  # noqa: F401  (the data set, a fixture)


@pytest.fixture
def both_ways(app, monkeypatch):
    """Every field the application page draws while it is on, drawn both ways: the triples
    (kept?, kept drawing, widgets' drawing)."""
    from tracker.web import detail_fields, widgets

    kept = detail_fields.field
    drawn: list[tuple[bool, str, str]] = []
    names: list[tuple[str, bool]] = []

    def checked(f, hint=True, wrap_class="", **kwargs):
        key = detail_fields._key(f, hint, wrap_class, kwargs)
        fast = kept(f, hint, wrap_class, **kwargs)
        drawn.append((key is not None, str(fast), str(widgets.field(f, hint, wrap_class,
                                                                    **kwargs))))
        names.append((f.name, key is not None))
        return fast

    monkeypatch.setattr(detail_fields, "field", checked)
    with app.app_context():
        app.extensions.pop("detail_fields_drawn", None)
    checked.names = names
    return drawn


def _same(drawn: list[tuple[bool, str, str]]) -> str:
    assert drawn
    for _kept, fast, old in drawn:
        assert fast == old
    return "".join(fast for _kept, fast, _old in drawn)


def test_the_golden_data_sets_fields_are_what_widgets_draw(app, generated, both_ways,  # noqa: F811
                                                           make_user):
    make_user("auditor", "audit", department="inspection_office")
    pages = {}
    for _round in range(2):
        for who in ("lead", "wang", "audit"):
            client = app.test_client()
            assert login(client, who).status_code == 302
            for lang in ("zh", "en"):
                for number in generated:
                    response = client.get(f"/applications/{number}?lang={lang}")
                    assert response.status_code == 200
                    page = response.get_data(as_text=True)
                    # The page is the same drawn from an empty store and from a full one
                    # (but the CSRF token).
                    pages.setdefault((who, lang, number), []).append(_normalised(page))
    whole = _same(both_ways)
    assert sum(kept for kept, _f, _o in both_ways) > len(both_ways) / 2
    assert any(not kept for kept, _f, _o in both_ways)  # the customer form's values
    for first, second in pages.values():
        assert first == second
    from tracker.web import detail_fields
    kept_names = {name for name, kept in detail_fields.field.names if kept}
    for name in ("pause-reason", "pause-step", "pause-at", "pause-note", "cancel-reason",
                 "kind", "replaces", "note", "customer-note"):
        assert name in kept_names, name
    assert "customer-customer_name" not in kept_names
    for part in ("-at", "-note", "cancel-reason", "Leave blank for now.", "留空"):
        assert part in whole, part


def _normalised(page: str) -> str:
    from tests.web.test_pages_same_html import normalised
    return normalised(page)


def test_refused_forms_and_typed_values_are_drawn_every_time(app, client, web_login,
                                                             new_application, frozen,
                                                             both_ways):
    frozen(local(2026, 10, 12, 9, 0), tick=True)
    number = new_application("201")
    frozen(local(2026, 10, 12, 15, 0), tick=True)
    web_login("team_lead", "lead1", department=None)
    for lang in ("zh", "en"):
        assert client.get(f"/applications/{number}?lang={lang}").status_code == 200
    assert step_action(client, number, "survey", "complete", at="yesterday",
                       note="<b>x & \"y\"</b>").status_code == 422
    assert step_action(client, number, "municipal_approval", "skip").status_code == 422
    page_url = f"/applications/{number}"
    version = version_in(page_text(client.get(page_url)), "cancel-")
    assert form_post(client, page_url, f"{page_url}/cancel",
                     {"cancel-version": version, "cancel-reason": ""}).status_code == 422
    assert form_post(client, page_url, f"{page_url}/pauses",
                     {"pause-version": version, "pause-reason": "", "pause-at": "nonsense",
                      "pause-note": "<i>n</i>"}).status_code == 422
    for lang in ("zh", "en"):
        assert client.get(f"/applications/{number}?lang={lang}").status_code == 200
    whole = _same(both_ways)
    refused = [fast for kept, fast, _old in both_ways if not kept and 'class="errors"' in fast]
    assert refused
    for part in ("&lt;b&gt;x &amp; &#34;y&#34;&lt;/b&gt;", "&lt;i&gt;n&lt;/i&gt;", "nonsense",
                 'aria-invalid="true"'):
        assert part in whole, part


def test_what_is_kept_and_what_is_not(app):
    from wtforms.fields import DateTimeLocalField, StringField
    from wtforms.fields.choices import SelectChoice

    from tracker.web import detail_fields, widgets
    from tracker.web.forms import CancelForm, KeptMessagesForm, PauseForm, StepActionForm, options

    class Bounded(KeptMessagesForm):
        at = DateTimeLocalField("At", render_kw={"min": "2026-01-01T00:00"})
        name = StringField("Name", default="x")

    with app.test_request_context("/?lang=en"):
        fresh = StepActionForm(formdata=None, prefix="complete-survey", version=3)
        assert detail_fields._key(fresh.at, True, "", {}) is not None
        assert detail_fields._key(fresh.note, True, "", {"rows": 2}) is not None
        assert detail_fields._key(fresh.version, True, "", {}) is None  # hidden, a value
        posted = CancelForm(formdata=MultiDict({"cancel-reason": ""}), prefix="cancel")
        assert detail_fields._key(posted.reason, True, "", {}) is None
        posted.validate()
        assert posted.reason.errors
        assert detail_fields._key(posted.reason, True, "", {}) is None
        other = Bounded(formdata=None)
        assert detail_fields._key(other.at, True, "", {}) is None  # render_kw
        assert detail_fields._key(other.name, True, "", {}) is None  # a value
        fresh.at.flags.max = lambda: "2026-12-04T00:00"
        assert detail_fields._key(fresh.at, True, "", {}) is None  # a flag as a function
        a = detail_fields._key(fresh.note, True, "", {"rows": 2})
    with app.test_request_context("/?lang=zh"):
        again = StepActionForm(formdata=None, prefix="complete-survey", version=4)
        b = detail_fields._key(again.note, True, "", {"rows": 2})
        assert a != b  # another language
        assert b != detail_fields._key(again.note, True, "", {"rows": 1})
        assert b != detail_fields._key(again.note, False, "", {"rows": 2})
        other_step = StepActionForm(formdata=None, prefix="complete-design", version=4)
        assert b != detail_fields._key(other_step.note, True, "", {"rows": 2})
        assert isinstance(detail_fields.field(again.note, rows=2), Markup)
        pause = PauseForm(formdata=None, prefix="pause", version=4)
        pause.reason.choices = options([("a", "A <b>"), ("b", "B")])
        plain = detail_fields._key(pause.reason, True, "", {})
        assert plain is not None
        pause.reason.choices = options([("a", Markup("A <b>")), ("b", "B")])
        assert detail_fields._key(pause.reason, True, "", {}) not in (None, plain)
        assert detail_fields.field(pause.reason) == widgets.field(pause.reason)
        pause.reason.choices = [SelectChoice("a", "A", optgroup="g")]
        assert detail_fields._key(pause.reason, True, "", {}) is None  # option groups
        pause.reason.choices = [SelectChoice("a", "A", render_kw={"disabled": True})]
        assert detail_fields._key(pause.reason, True, "", {}) is None  # an option's attributes
        pause.reason.choices = [("a", "A")]
        assert detail_fields._key(pause.reason, True, "", {}) is None  # not SelectChoice
        pause.reason.choices = options([("a", "A")])
        pause.reason.data = "a"
        assert detail_fields._key(pause.reason, True, "", {}) is None  # one selected


def test_a_readers_page_is_what_it_was_with_the_forms_built(app, generated,  # noqa: F811
                                                            make_user, monkeypatch):
    """An auditor's page builds no form now; drawn with the forms built (as before), the same
    page, in both languages."""
    from tracker.web import applications

    make_user("auditor", "audit", department="inspection_office")
    client = app.test_client()
    assert login(client, "audit").status_code == 302

    def pages():
        return [_normalised(client.get(f"/applications/{number}?lang={lang}")
                            .get_data(as_text=True))
                for lang in ("zh", "en") for number in generated]

    now = pages()
    monkeypatch.setattr(applications, "can_write", lambda: True)
    assert pages() == now
    assert 'name="pause-reason"' not in "".join(now)
