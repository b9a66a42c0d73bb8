"""Idempotent creates: a create sent with an `Idempotency-Key` answers a retry with the first
answer instead of creating again.

The key is claimed (a row, unique per user and key) at the start of the creation's own
transaction and holds the answer when that transaction commits: a crash leaves both or
neither. A concurrent request with the same key waits on the claim (the unique index on
PostgreSQL, the write lock on SQLite), then reads the first answer. Keys live a day; older
ones are pruned by the next keyed create.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import IdempotencyKey, now_utc
from .errors import Conflict, ValidationFailed
from .transaction import transactional

KEY_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class Answer:
    """An HTTP answer as stored: status, body bytes, content type."""

    status: int
    body: bytes
    content_type: str


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path with query, and the body."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def stored_answer(user_id: int, key: str, print_: str) -> Answer | None:
    """The first answer to this key (within its lifetime), or None; the same key with another
    request is refused (422), as a retry cannot have changed its body."""
    row = db.session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key,
        IdempotencyKey.created_at >= now_utc() - KEY_LIFETIME))
    if row is None or row.status_code == 0:
        return None
    if row.fingerprint != print_:
        raise ValidationFailed(
            "This Idempotency-Key was already used for a different request; use a new key.",
            fields={"Idempotency-Key": ["Already used for a different request."]})
    return Answer(row.status_code, row.body, row.content_type)


@transactional
def _claim_and_create(user_id: int, key: str, print_: str,
                      create: Callable[[], Answer]) -> Answer:
    now = now_utc()
    # Expired keys go first, this user's with them, so the claim below can take the key again.
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - KEY_LIFETIME))
    claim = IdempotencyKey(user_id=user_id, key=key, fingerprint=print_, status_code=0,
                           body=b"", content_type="", created_at=now)
    db.session.add(claim)
    db.session.flush()  # a concurrent holder of the key makes us wait here, then fail
    answer = create()
    if 200 <= answer.status < 300:
        claim.status_code, claim.body, claim.content_type = (answer.status, answer.body,
                                                             answer.content_type)
    else:
        db.session.delete(claim)
    return answer


def once(user_id: int, key: str, print_: str, create: Callable[[], Answer]) -> tuple[Answer, bool]:
    """(the answer, whether it is a replay): the stored answer to `key`, or `create()` run in
    one transaction with the key's claim."""
    found = stored_answer(user_id, key, print_)
    if found is not None:
        return found, True
    try:
        return _claim_and_create(user_id, key, print_, create), False
    except IntegrityError:
        # Another request with this key committed first: its answer is ours.
        found = stored_answer(user_id, key, print_)
        if found is None:
            raise
        return found, True
    except Conflict:
        # SQLite: the write lock was held past busy_timeout by the first request.
        found = stored_answer(user_id, key, print_)
        if found is None:
            raise
        return found, True
