"""Keeping the questions' trending keys (``bot.domain.trending``) equal to the sum over their votes.

- A vote moves its question's key by its own term, in the vote's transaction (``votes``).
- A merge or an unmerge sums the receiving question's key again from its votes (``question_key``).
- A rebase sums every key of the event again (``rebase``) when the event's epoch must move: before
  its first vote, after a vote ten half-lives after the epoch (``rebase_if_due``, a unit of work of
  its own), and when its half-life changes (``events.update_event``).

Lock order: the event, then its questions in id order. A vote holds its question's lock and never
asks for the event's, so a rebase running beside a burst waits for each vote in turn instead of
deadlocking with them (PostgreSQL; SQLite has one writer).

All of them weigh a vote with ``vote_term``, so a key is always exactly the sum of its votes' terms.
"""

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from bot.domain.trending import rebase_due, vote_term
from db.models import Event, Question, Vote

_questions, _votes, _events = Question.__table__, Vote.__table__, Event.__table__

_EPOCH_OF = sa.select(_events.c.trend_epoch, _events.c.trending_half_life_s).where(
    _events.c.id == sa.bindparam("event")
)
# FOR NO KEY UPDATE: a vote being inserted checks its event_id with a KEY SHARE lock on the event,
# which FOR UPDATE would block while the rebase waits for that vote's question: a deadlock.
_LOCK_EVENT = _EPOCH_OF.with_for_update(key_share=True)
# Locked in id order, the order every decision that locks several questions keeps.
_LOCK_QUESTIONS = (
    sa.select(_questions.c.id)
    .where(_questions.c.event_id == sa.bindparam("event"))
    .order_by(_questions.c.id)
    .with_for_update()
)
_EVENT_VOTES = sa.select(_votes.c.question_id, _votes.c.value, _votes.c.cast_at).where(
    _votes.c.event_id == sa.bindparam("event")
)
_QUESTION_VOTES = sa.select(_votes.c.value, _votes.c.cast_at).where(_votes.c.question_id == sa.bindparam("question"))
# Every question's row, keys at 0 too: a vote statement waiting for a question's lock checks the
# epoch again once it is granted only if the row it waited for was updated (PostgreSQL re-checks
# an updated row, not one merely locked), and a question without votes has a key of 0.
_CLEAR_KEYS = _questions.update().where(_questions.c.event_id == sa.bindparam("event")).values(trend_key=0)
_SET_KEY = _questions.update().where(_questions.c.id == sa.bindparam("question")).values(trend_key=sa.bindparam("key"))
_SET_EPOCH = _events.update().where(_events.c.id == sa.bindparam("event")).values(trend_epoch=sa.bindparam("epoch"))


def rebase_if_due(session: Session, event_id: int, at: datetime) -> None:
    """A unit of work: rebase the event if a vote cast ``at`` finds it due (``rebase_due``); once
    one such unit has rebased, the others waiting for the event's lock find nothing to do."""
    connection = session.connection()
    epoch, half_life_s = connection.execute(_LOCK_EVENT, {"event": event_id}).one()
    if rebase_due(at, epoch, half_life_s):
        new_epoch = rebase(connection, event_id, half_life_s, at)
        connection.execute(_SET_EPOCH, {"event": event_id, "epoch": new_epoch})


def rebase(connection: sa.Connection, event_id: int, half_life_s: int, at: datetime) -> datetime:
    """Sum every key of the event again against a new epoch, ``at`` or its latest vote if later,
    and return that epoch; the caller stores it on the event, whose row it has locked. (The
    latest vote weighs 2 ** KEY_BITS or more, so no vote loses precision it need not lose.)

    Every question of the event is locked first, so no vote weighed against the old epoch can
    commit after the new keys are summed (PostgreSQL; SQLite has one writer anyway).
    """
    connection.execute(_LOCK_QUESTIONS, {"event": event_id})
    votes = connection.execute(_EVENT_VOTES, {"event": event_id}).all()
    epoch = max([at, *(cast_at for _, _, cast_at in votes)])
    keys: defaultdict[int, int] = defaultdict(int)
    for question_id, value, cast_at in votes:
        keys[question_id] += value * vote_term(cast_at, epoch, half_life_s)
    connection.execute(_CLEAR_KEYS, {"event": event_id})
    changed = [{"question": question_id, "key": key} for question_id, key in keys.items() if key]
    if changed:
        connection.execute(_SET_KEY, changed)
    return epoch


def question_key(connection: sa.Connection, question_id: int, event_id: int) -> int:
    """A question's key summed from its votes as they are now (after a merge or an unmerge), for a
    caller holding the question's lock."""
    # Read after the lock, not from the event loaded before it: a rebase that committed in
    # between moved the epoch, and none can commit now until the caller does.
    epoch, half_life_s = connection.execute(_EPOCH_OF, {"event": event_id}).one()
    if epoch is None:
        # No vote was ever cast in the event (the first one sets the epoch): nothing to weigh.
        return 0
    votes = connection.execute(_QUESTION_VOTES, {"question": question_id}).all()
    return sum(value * vote_term(cast_at, epoch, half_life_s) for value, cast_at in votes)
