"""What the core announces, so features listen instead of being called (indico's signals).

Sender is the Application; keyword arguments name the moment (`at=`), who did it (`actor=`)
and what changed (`record=`). A receiver runs inside the sender's transaction: what it adds
is committed with the change it answers, or rolled back with it. Sent by
`services/applications.py` (created, step completed, completed, cancelled) and
`services/calendar_admin.py` (a deadline moved by a calendar change: `record=` the timer).
Below them, the extension points through which features add to the core's work without the
core importing them: `step_completing` (a feature may refuse), `template_hook` (sections on
the core's pages), `materials_on_record` (documents the system itself holds) and
`work_duties` (what a feature's open duties on My work are).
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

application_created = _signals.signal("application-created", doc="A new application (at=, actor=).")
step_completed = _signals.signal("step-completed", doc="A step was done (at=, actor=, record=).")
application_completed = _signals.signal(
    "application-completed", doc="Water is on: the application is complete (at=, actor=, clock=).")
application_cancelled = _signals.signal("application-cancelled", doc="Cancelled (at=, actor=).")
deadline_moved = _signals.signal("deadline-moved", doc="An open deadline moved (at=, record=).")

# --- extension points: a feature hooks into the core here ---------------------------------------

step_completing = _signals.signal("step-completing", doc="""
A step is about to be completed (checked, not yet changed). kwargs: `at`, `actor`, `record`
(the StepRecord), `definition` (the StepDefinition). A receiver refuses by raising a
DomainError (documents: a required document is missing); the change is then rolled back whole.""")

template_hook = _signals.signal("template-hook", doc="""
A page asks for extra sections. Sender: the hook's name (e.g. "application-main"); kwargs as
the template passes them. Receivers return markup (or None); the page shows each in turn
(`web/context.template_hook`).""")

materials_on_record = _signals.signal("materials-on-record", doc="""
Which required documents the system itself holds for an application (sender), e.g. the online
appointment the customer filled in. Receivers return {material name: (label, url)} or None.""")

work_duties = _signals.signal("work-duties", doc="""
My work lists open timers; a feature says what its own are. Sender: the timer's subject type
(a `SubjectType` value, e.g. "callback"); kwargs `timers`: (timer, application or None) pairs of
that kind on one page, plain rows read under the models' names (`services.work.TimerRow`: the
SlaTimer's columns but `limit`, `created_at`, `warned_at`, `overdue_at`;
`services.work.ApplicationRow`: id, number, customer_name, address, contact_phone,
materials_promised_on, owner_id, flow_version_id, content_hash, owner), not ORM objects (no
relation to follow). Receivers answer in one query for the whole page: {timer id:
services.work.Duty} (the timers they know), or None.""")
