"""The pages' forms (Flask-WTF: every POST form carries a CSRF token)."""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import date, datetime
from typing import Any

from babel import support
from flask import current_app, has_request_context, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    Form,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import Select

from ..errors import translate
from ..i18n import pick
from ..localtime import LOCAL
from ..phone import LONGEST, phone_error
from ..services.errors import ValidationFailed
from ..services.months import parse_month
from ..sla import FIRST_YEAR, LAST_YEAR
from . import labels

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - WTForms < 3.3
    SelectChoice = None

# Service field names that a page form calls differently.
FIELD_ALIASES = {"completed_at": "at", "started_at": "at", "ended_at": "at", "supplied_at": "at"}


def in_clock_range(form: Any, field: Any) -> None:
    """A date the working clock covers (FIRST_YEAR…LAST_YEAR)."""
    value = field.data
    if isinstance(value, (date, datetime)) and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(_l("Date out of range (2000–2099)."))


def a_month(form: Any, field: Any) -> None:
    """A month as YYYY-MM (services.months.parse_month's rule)."""
    try:
        parse_month(field.data)
    except ValidationFailed as refused:
        raise ValidationError(translate(refused.message, refused.params)) from None


def phone_number(form: Any, field: Any) -> None:
    """A phone number `tracker.phone` accepts (or nothing)."""
    problem = phone_error(field.data)
    if problem:
        raise ValidationError(translate(problem))


def _trimmed(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def phone_field(label: Any, **kwargs: Any) -> StringField:
    """A phone number, trimmed and checked by the one phone rule (optional)."""
    return StringField(label, filters=[_trimmed],
                       validators=[Optional(), Length(max=LONGEST), phone_number], **kwargs)


def local_instant(label: Any, **kwargs: Any) -> DateTimeLocalField:
    """A local-time instant typed into the page (optional unless validators say otherwise)."""
    kwargs.setdefault("validators", [Optional(), in_clock_range])
    return DateTimeLocalField(label, tz=LOCAL, **kwargs)


def _when(label: Any) -> DateTimeLocalField:
    """A local-time instant; blank means now."""
    return local_instant(label, description=_l("Leave blank for now."))


def version_field() -> IntegerField:
    """Optimistic lock: the row's version when the page was drawn (hidden)."""
    return IntegerField(widget=HiddenField.widget, validators=[Optional()])


def page_number() -> int:
    """?page=N of a list page (1 when absent or not a number)."""
    try:
        return max(1, min(int(request.args.get("page", 1)), 100000))
    except ValueError:
        return 1


def attach_errors(form: Form, fields: dict[str, list[str]],
                  aliases: dict[str, str] | None = None) -> list[str]:
    """Put a service's field errors on the form's fields; returns those no field shows."""
    unplaced = []
    for name, messages in (fields or {}).items():
        target = getattr(form, (aliases or {}).get(name, FIELD_ALIASES.get(name, name)), None)
        texts = [translate(m) for m in (messages if isinstance(messages, list) else [messages])]
        if target is None or not hasattr(target, "errors"):
            unplaced.extend(texts)
            continue
        if not isinstance(target.errors, list):
            target.errors = list(target.errors)
        target.errors.extend(texts)
    return unplaced


def options(pairs: Iterable[tuple[str, Any]]) -> list[Any]:
    """Select options (WTForms 3.3 wants SelectChoice; older versions take pairs)."""
    if SelectChoice is None:  # pragma: no cover - WTForms < 3.3
        return list(pairs)
    return [SelectChoice(str(value), text) for value, text in pairs]


class PlainSelect(Select):
    """WTForms' Select widget, a plain option (no render_kw, no extra attributes) written
    directly: the same HTML (html_params sorts `selected` before `value` and escapes the
    value the same way), without the two Markup.format calls per option that made the
    options of the application page's five selects a sixth of its drawing (issue 15).
    `tests/web/test_plain_select.py` compares it with Select."""

    @classmethod
    def render_option(cls, choice: Any, **kwargs: Any) -> Markup:
        if kwargs or choice.render_kw or SelectChoice is None:
            return super().render_option(choice, **kwargs)
        value = choice.value
        if isinstance(value, bool):
            value = str(value)
        value = escape(value).replace(Markup('"'), Markup("&quot;"))
        label = escape(choice.label or choice.value)
        selected = "selected " if choice.selected else ""
        return Markup(f'<option {selected}value="{value}">{label}</option>')


def _choices(table: dict[str, Any]) -> list[Any]:
    return options(table.items())


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class PostForm(FlaskForm):
    """A form with nothing but its CSRF token (log out, remove a closure)."""


class NewApplicationForm(FlaskForm):
    flow = RadioField(_l("Flow"), validators=[InputRequired()], choices=[])
    customer_type = SelectField(_l("Customer type"), choices=_choices(labels.CUSTOMER_TYPES),
                                default="company")
    customer_name = StringField(_l("Customer (company or person)"),
                                validators=[DataRequired(), Length(max=200)])
    contact_name = StringField(_l("Contact person"), validators=[Length(max=100)])
    contact_phone = phone_field(_l("Phone"))
    address = StringField(_l("Address"), validators=[Length(max=300)])
    channel = SelectField(_l("Channel"), choices=_choices(labels.CHANNELS), default="window")
    accepted_at = DateTimeLocalField(
        _l("Accepted at"), validators=[Optional(), in_clock_range], tz=LOCAL,
        description=_l("Leave blank for now; an earlier time within the back-dating window "
                       "may be given."))
    requested_at = DateTimeLocalField(
        _l("Customer's requested time"), validators=[Optional(), in_clock_range], tz=LOCAL,
        description=_l("Required by flows that count from the customer's requested time (101)."))
    missing_materials = TextAreaField(
        _l("Missing materials (容缺受理)"), validators=[Length(max=4000)],
        description=_l("One per line; leave blank when the materials are complete."))
    materials_promised_on = DateField(_l("Materials promised on"),
                                      validators=[Optional(), in_clock_range])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    owner = SelectField(_l("Owner (客户代表)"), choices=[], validators=[Optional()],
                        description=_l("Who answers for the application from now to water on; "
                                       "a team lead can hand it on later."))
    # Shown only when an open application of the same customer and address exists.
    create_anyway = BooleanField(_l("Register it anyway: this is not the same connection"))

    def attribute_field_names(self) -> list[str]:
        return [name for name in self._fields if name.startswith("attr_")]

    def materials(self) -> list[str]:
        return [line.strip() for line in (self.missing_materials.data or "").splitlines()
                if line.strip()]


def attribute_field_name(flow: str, code: str) -> str:
    return f"attr_{flow}_{code}"


def new_application_form(flows: Iterable[Any], lang: str,
                         owners: Iterable[tuple[str, str]] = (),
                         **kwargs: Any) -> NewApplicationForm:
    """The form with one choice per flow, a select per flow attribute (e.g. external works)
    and the owners to choose from (user name, label; blank: the registering clerk)."""
    flows = list(flows)

    class Form(NewApplicationForm):
        pass

    for flow in flows:
        for attribute in flow.attributes:
            choices = options((value, pick(zh, en, lang))
                              for value, zh, en in attribute.choices)
            name = pick(attribute.name_zh, attribute.name_en, lang)
            setattr(Form, attribute_field_name(flow.code, attribute.code), SelectField(
                name, choices=choices, default=attribute.default, validators=[Optional()],
                render_kw={"data-flow": flow.code}))
    form = Form(**kwargs)
    form.flow.choices = options((f.code, f"{f.code} · {f.name_en if lang == 'en' else f.name_zh}")
                                for f in flows)
    form.owner.choices = options([("", _l("Me (who registers it)")), *owners])
    return form


def proxy_reason_field() -> StringField:
    """代办: the reason a team lead or administrator gives when acting for another department."""
    return StringField(_l("代办: why you act for the department"),
                       validators=[Optional(), Length(max=500)],
                       description=_l("Only a team lead or administrator acting for another "
                                      "department; leave blank for your own department's "
                                      "duty."))


# WTForms' own messages per language, loaded once per process (two languages at most:
# i18n.SUPPORTED). Flask-WTF loads and parses that catalog again on every request that asks
# for one message, and the list's five select fields each ask for "Not a valid choice." when
# no value is given, before Optional clears the error: 0.15-0.2 ms of every list page.
_WTFORMS_MESSAGES: dict[str, Any] = {}


def _wtforms_messages() -> Any:
    locale = get_locale()
    key = str(locale)
    found = _WTFORMS_MESSAGES.get(key)
    if found is None:
        found = _WTFORMS_MESSAGES[key] = support.Translations.load(
            messages_path(), [locale], domain="wtforms")
    return found


def _kept_translations(meta: Any, form: Any) -> Any:
    """Flask-WTF's messages, kept (_wtforms_messages); as it does, none without a request or
    Flask-Babel, and WTForms' own when WTF_I18N_ENABLED is off."""
    if not has_request_context() or "babel" not in current_app.extensions or \
            not current_app.config.get("WTF_I18N_ENABLED", True):
        return super(KeptMessagesForm.Meta, meta).get_translations(form)
    return _wtforms_messages()


class KeptMessagesForm(FlaskForm):
    """A FlaskForm whose WTForms messages are kept per language (_wtforms_messages): the
    application page's forms. Building a form binds an IntegerField (the version), whose
    constructor asks for "Not a valid integer value.", so Flask-WTF loaded and parsed the
    catalog on every application page (~0.3 ms; issue 15). The same words
    (tests/web/test_application_pages.py)."""

    class Meta:
        get_translations = _kept_translations


class OwnerForm(KeptMessagesForm):
    """A team lead hands an application to another owner (客户代表)."""

    owner = SelectField(_l("New owner"), choices=[], validators=[InputRequired()],
                        widget=PlainSelect())
    version = version_field()


class AssignForm(FlaskForm):
    """Who has a duty of My work: a user name, or blank (back to the department)."""

    assignee = SelectField(_l("Give to"), choices=[], validate_choice=False,
                           validators=[Optional()])
    version = version_field()
    tab = HiddenField()
    department = HiddenField()


class StepActionForm(KeptMessagesForm):
    version = version_field()
    at = _when(_l("Done at"))
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    proxy_reason = proxy_reason_field()


class SkipForm(KeptMessagesForm):
    version = version_field()
    note = TextAreaField(_l("Why is the step skipped?"),
                         validators=[DataRequired(), Length(max=2000)])


class PauseForm(KeptMessagesForm):
    version = version_field()
    reason = SelectField(_l("Reason"), choices=[], validators=[DataRequired()],
                         widget=PlainSelect())
    # Choices: the application's unfinished steps; "" = the pause is not on one step.
    step = SelectField(_l("Step"), choices=[], validate_choice=False, widget=PlainSelect(),
                       description=_l("The step whose clock stops, for a reason that stops "
                                      "the step it is recorded on."))
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    at = _when(_l("Paused from"))


class ResumeForm(KeptMessagesForm):
    version = version_field()
    at = _when(_l("Resumed at"))


class SupplyForm(KeptMessagesForm):
    version = version_field()
    at = _when(_l("Supplied at"))


class CancelForm(KeptMessagesForm):
    version = version_field()
    reason = TextAreaField(_l("Why is the application cancelled?"),
                           validators=[DataRequired(), Length(max=2000)])


class CustomerForm(KeptMessagesForm):
    version = version_field()
    customer_name = StringField(_l("Customer (company or person)"),
                                validators=[DataRequired(), Length(max=200)])
    contact_name = StringField(_l("Contact person"), validators=[Length(max=100)])
    contact_phone = phone_field(_l("Phone"))
    address = StringField(_l("Address"), validators=[Length(max=300)])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    materials_promised_on = DateField(_l("Materials promised on"),
                                      validators=[Optional(), in_clock_range])


class ClosureForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired(), in_clock_range])
    kind = SelectField(_l("Kind"), choices=options([("off", _l("Day off (e.g. typhoon)")),
                                                    ("work", _l("Extra working day"))]),
                       default="off")
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])
    # Part of a day (a typhoon from 14:00): leave both empty for the whole day.
    start = TimeField(_l("Closed from"), validators=[Optional()],
                      description=_l("Leave empty for the whole day."))
    end = TimeField(_l("Closed until"), validators=[Optional()])


class FilterForm(FlaskForm):
    """The applications list's filters (GET, the same as the API's)."""

    class Meta:
        csrf = False

        def get_translations(self, form: Any) -> Any:
            # Flask-WTF's messages, kept (_wtforms_messages); as it does, none without a
            # request or Flask-Babel, and WTForms' own when WTF_I18N_ENABLED is off.
            if not has_request_context() or "babel" not in current_app.extensions or \
                    not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _wtforms_messages()

    flow = SelectField(_l("Flow"), choices=[], validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()],
                         choices=options([("", _l("Any"))] + list(labels.APP_STATUSES.items())))
    overdue = SelectField(_l("Overdue"), validators=[Optional()],
                          choices=options([("", _l("Any")), ("yes", _l("Overdue only")),
                                           ("no", _l("Not overdue"))]))
    due_before = DateField(_l("Due before"), validators=[Optional(), in_clock_range])
    department = SelectField(_l("Department with an open step"), choices=[],
                             validators=[Optional()])
    step = StringField(_l("Open step (code)"), validators=[Optional(), Length(max=40)])
    due = SelectField(_l("Deadline"), validators=[Optional()],
                      choices=options([("", _l("Any")), ("today", _l("Due later today"))]))
    completed = StringField(_l("Completed in (month)"), validators=[Optional(), a_month],
                            render_kw={"placeholder": "2026-10"})
    text = StringField(_l("Search"), validators=[Optional(), Length(max=100)],
                       render_kw={"placeholder": _l("Number, customer, phone, address")})


class AccountForm(FlaskForm):
    """An administrator's form for one account (user administration)."""

    username = StringField(_l("User name"), validators=[Optional(), Length(max=64)])
    display_name = StringField(_l("Display name"), validators=[Length(max=100)])
    role = SelectField(_l("Role"))
    department = SelectField(_l("Department"))
    phone = phone_field(_l("Phone"))
    email = StringField(_l("E-mail"), validators=[Length(max=200)])


class OwnPasswordForm(FlaskForm):
    old_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    again = PasswordField(_l("New password again"), validators=[DataRequired(), Length(max=200)])


# Marks no page holds, put where a row's prefix and version go (digits: a version is an int).
_PREFIX_MARK = "5647382910564738291"
_VERSION_MARK = 8172635490817263549
_CSRF_MARK = "csrf-token-7263549081726354"  # where the request's CSRF token goes
KEPT_DRAWINGS = 64  # kept_drawing: drawings kept per application (emptied when full)


class RowForms:
    """The same small form on each row of a list (a callback's result): built and drawn once
    per page, with marks where the row's prefix and version go, then each row's markup is
    that with its own put in (Flask-WTF's CSRF token is one per request: every row's is the
    same). Building and drawing a form per row cost most of a 50-row page (issue 15).

    `versions`: row key → the row's version; `values`: row key → the fields' other values
    (one drawing per distinct set, e.g. the department a row is charged to); `failed`: the
    forms posted and refused, drawn as they are (after a 409 with the row's version now, so
    that a deliberate retry may go on). `html(key, macro)` is `macro(form)` for that row.

    `kept`: when given, the drawing is kept per application across requests under this key
    (with a mark where the CSRF token goes, the request's own put in): the caller's key must
    hold everything else the macro shows besides the form class, prefix and `values` (the
    language, a role the macro asks, a select's choices). Drawing the first form of a page
    (WTForms, Flask-WTF reading its translations) was ~1 ms of every callbacks page."""

    def __init__(self, form_class: type[FlaskForm], prefix: str, versions: dict[Any, int],
                 *, values: dict[Any, dict[str, Any]] | None = None,
                 failed: dict[Any, FlaskForm] | None = None, conflict: bool = False,
                 setup: Any = None, kept: Hashable | None = None) -> None:
        self.form_class, self.prefix, self.versions = form_class, prefix, versions
        self.values, self.setup, self.kept = values or {}, setup, kept
        self.failed = {key: form for key, form in (failed or {}).items() if key in versions}
        if conflict:
            for key, form in self.failed.items():
                form.version.data = versions[key]
                form.version.raw_data = [str(versions[key])]
        self._drawn: dict[tuple, str] = {}

    def __contains__(self, key: Any) -> bool:
        return key in self.versions

    def form(self, key: Any) -> FlaskForm:
        """The row's own form object (what `html` draws for it)."""
        if key in self.failed:
            return self.failed[key]
        return self._build(f"{self.prefix}{key}", self.versions[key], self.values.get(key, {}))

    def _build(self, prefix: str, version: int, values: dict[str, Any]) -> FlaskForm:
        form = self.form_class(formdata=None, prefix=prefix, version=version, **values)
        if self.setup is not None:
            self.setup(form)
        return form

    def _drawing(self, which: tuple, values: dict[str, Any], macro: Any) -> str:
        """The form drawn with the marks (the prefix's, the version's), from the kept ones
        when `kept` names one."""
        def build() -> FlaskForm:
            return self._build(f"{self.prefix}{_PREFIX_MARK}", _VERSION_MARK, values)

        if self.kept is None:
            return str(macro(build()))
        return str(kept_drawing((self.form_class, self.prefix, self.kept, which), build,
                                macro))

    def html(self, key: Any, macro: Any) -> Markup:
        if key in self.failed:
            return macro(self.failed[key])
        values = self.values.get(key, {})
        which = tuple(sorted(values.items()))
        drawn = self._drawn.get(which)
        if drawn is None:
            drawn = self._drawn[which] = self._drawing(which, values, macro)
        return Markup(drawn.replace(f"{self.prefix}{_PREFIX_MARK}", f"{self.prefix}{key}")
                      .replace(str(_VERSION_MARK), str(self.versions[key])))


def kept_drawing(name: Hashable, build: Callable[[], FlaskForm], macro: Any) -> Markup:
    """`macro(build())`, the form drawn, kept per application under `name` across requests,
    with a mark where the CSRF token goes and the request's own token put in (Flask-WTF's
    token is one per request and session). `name` must hold everything the macro shows
    besides what `build` makes alike every time (the language, a role the macro asks, a
    select's choices). Only a form drawn afresh (no data posted, no errors) may be kept; a
    drawing that shows the token other than exactly once is drawn every time."""
    store: dict[Hashable, str] = current_app.extensions.setdefault("row_forms_drawn", {})
    drawn = store.get(name)
    if drawn is not None:
        return Markup(drawn.replace(_CSRF_MARK, generate_csrf()))
    form = build()
    drawn = str(macro(form))
    token = getattr(form.meta, "csrf", False) and generate_csrf()
    if token and drawn.count(token) == 1 and _CSRF_MARK not in drawn:
        if len(store) >= KEPT_DRAWINGS:
            store.clear()
        store[name] = drawn.replace(token, _CSRF_MARK)
    return Markup(drawn)
