"""What the core announces, so features listen instead of being called (indico's signals).

Sender is the Application; keyword arguments name the moment (`at=`), who did it (`actor=`)
and what changed (`record=`). A receiver runs inside the sender's transaction: what it adds
is committed with the change it answers, or rolled back with it. Sent by
`services/applications.py` (created, step completed, completed, cancelled) and
`services/calendar_admin.py` (a deadline moved by a calendar change: `record=` the timer).
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
