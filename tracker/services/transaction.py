"""One transaction-and-conflict contract for every service that changes something.

A service decorated with `@transactional` commits once, at its end. Until then nothing it
did is visible to anyone else, and if it fails nothing of it stays:

- a `DomainError` (refused input, wrong state) rolls back and goes on to the caller;
- a row changed by someone else between our read and our write (its `version_id` moved,
  noticed at a flush or at the commit: `StaleDataError`) rolls back and becomes a 409;
- SQLite's "database is locked" (another writer held the file past busy_timeout) rolls back
  and becomes a 409 too: try again in a moment.

A transactional service called by another (screening creates an application) joins the
caller's transaction: only the outermost one commits or rolls back. Views never roll back or
expire the session themselves: a refused service has already left it clean.
"""
from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from .errors import Conflict

P = ParamSpec("P")
T = TypeVar("T")

SAME_MOMENT = "Someone else changed this record at the same moment; reload and try again."
CHANGED_FIRST = "Someone else changed this record first; reload and try again."
LOCKED = "Another change is being saved; try again in a moment."

_depth: ContextVar[int] = ContextVar("tracker_transaction_depth", default=0)


def transactional(function: Callable[P, T] | None = None, *, stale: str = SAME_MOMENT,
                  retries: int = 0) -> Any:
    """Run a service as one transaction (see the module's docstring). `stale` is the 409's
    message when a concurrent writer won; `retries` runs the service again that many times
    first (an idempotent receipt whose row a concurrent push changed)."""

    def decorate(service: Callable[P, T]) -> Callable[P, T]:
        @wraps(service)
        def run(*args: P.args, **kwargs: P.kwargs) -> T:
            if _depth.get():  # joined: the outermost service commits
                return service(*args, **kwargs)
            for attempt in range(retries + 1):
                token = _depth.set(1)
                try:
                    result = service(*args, **kwargs)
                    db.session.commit()
                    return result
                except StaleDataError:
                    db.session.rollback()
                    if attempt == retries:
                        raise Conflict(stale) from None
                except OperationalError as exc:
                    db.session.rollback()
                    if "database is locked" not in str(exc.orig):
                        raise
                    raise Conflict(LOCKED) from None
                except BaseException:
                    db.session.rollback()  # nothing half-done stays in the session
                    raise
                finally:
                    _depth.reset(token)
            raise AssertionError("unreachable")  # pragma: no cover

        return run

    return decorate(function) if function is not None else decorate


def check_version(row: Any, expected: int | None, message: str = CHANGED_FIRST,
                  **params: Any) -> None:
    """Refuse a change made from an older copy than the row's (409, nothing changed)."""
    if expected is not None and expected != row.version_id:
        raise Conflict(message, params=params)


__all__ = ["CHANGED_FIRST", "LOCKED", "SAME_MOMENT", "check_version", "transactional"]
