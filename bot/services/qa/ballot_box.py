"""PostgreSQL's ballot box: the votes of a burst on one question go in together, one statement at a time.

In a burst, members click the same few questions: a third of a 10,000-vote minute lands on the
top one. Sent one by one, each vote held a pooled connection while it waited for that question's
row lock, the pool ran dry behind it, and votes were refused after the pool's 30 s wait, though
PostgreSQL itself takes hundreds of such updates a second on one row. So each question has a
lane in this process: one statement on it at a time; votes that arrive while it runs wait,
holding no connection, and go together in the next (group commit, as SQLite's writer does for
every write). Questions' lanes run side by side.

The statement (``_BALLOTS``) is one round trip in autocommit (``Database.write_statement``):
lock the question if the question-wide checks of ``votes._check_can_vote`` pass and its event's
epoch and half-life are the ones the votes' trending terms were weighed against; of the
ballots, keep those whose voter-wide checks pass; insert each first vote unless the voter has
one, delete each vote taken back if it is exactly the vote this process saw cast (value and
time, so its term is known exactly); move the counters and the key by what happened; return the
counts and the voters whose ballot happened. A ballot that did not happen changed nothing, and
the unit of work (``votes._change_vote``) decides it alone, refusing with the reason where there
is one. A member is answered only once the statement holding their vote has committed. A
question's event, and the event's epoch, are read once and remembered.

The epoch is checked by ``podium_trend_epoch_is`` (migration 0013_speed_postgresql), which reads
the event with a snapshot of its own each time it is evaluated, and PostgreSQL evaluates the
locking query's conditions again once a lock it waited for is granted on a row the holder
updated: a rebase (which updates every question's row, and holds its lock until it commits)
committed while this waited has moved the epoch, and the check then fails. The statement's own
snapshot, or a KEY SHARE lock on the event (which a rebase's NO KEY UPDATE does not block),
would still show the old one.
"""

import asyncio
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Session

from bot.domain.actors import Actor
from bot.domain.errors import PodiumError
from bot.domain.transitions import VOTABLE, VOTING_STATES
from bot.domain.trending import needs_rebase, rebase_due, vote_term
from bot.services.qa.trending import rebase_if_due
from db.engine import Database, answer_due
from db.models import Event, EventBan, Question, Vote

log = logging.getLogger(__name__)

# How many of its own votes a process remembers for taking them back in one statement (the
# oldest go first; a vote forgotten is taken back by the unit of work, as any other).
REMEMBERED_VOTES = 100_000
# The most ballots one statement carries; the rest wait for the next.
BALLOTS_PER_STATEMENT = 500
# Switched off by bench/votes.py to measure the unit of work alone, as every vote went before.
ONE_STATEMENT_VOTES = True

_votes, _questions, _events, _bans = Vote.__table__, Question.__table__, Event.__table__, EventBan.__table__

_target = (
    sa.select(
        _questions.c.id,
        _questions.c.event_id,
        _questions.c.author_id,
        _events.c.guild_id,
        _events.c.allow_self_votes,
        _events.c.allow_downvotes,
    )
    .join(_events, _events.c.id == _questions.c.event_id)
    .where(
        _questions.c.id == sa.bindparam("question_id"),
        _questions.c.status.in_(sorted(VOTABLE)),
        _events.c.state.in_(sorted(VOTING_STATES)),
        sa.func.podium_trend_epoch_is(
            _questions.c.event_id,
            sa.bindparam("epoch", type_=_events.c.trend_epoch.type),
            sa.bindparam("half_life_s", type_=sa.Integer),
            type_=sa.Boolean,
        ),
    )
    .with_for_update(of=_questions)
    .cte("target")
)
# One row per ballot, from parallel arrays: the voter, what the ballot does, and what it moves.
_ballot = (
    sa.func.unnest(
        sa.bindparam("voters", type_=postgresql.ARRAY(sa.BigInteger)),
        sa.bindparam("guild_ids", type_=postgresql.ARRAY(sa.BigInteger)),
        sa.bindparam("operators", type_=postgresql.ARRAY(sa.Boolean)),
        sa.bindparam("values", type_=postgresql.ARRAY(sa.Integer)),
        sa.bindparam("cast_ats", type_=postgresql.ARRAY(_votes.c.cast_at.type)),
        sa.bindparam("taken_back", type_=postgresql.ARRAY(sa.Boolean)),
        sa.bindparam("trends", type_=postgresql.ARRAY(sa.BigInteger)),
    )
    .table_valued("voter", "guild_id", "operator", "value", "cast_at", "taken_back", "trend")
    .render_derived(name="ballot")
)
_eligible = (
    sa.select(_target.c.id.label("question_id"), _target.c.event_id, *_ballot.c)
    .select_from(_target.join(_ballot, sa.true()))
    .where(
        sa.or_(_target.c.guild_id == _ballot.c.guild_id, _ballot.c.operator),
        sa.or_(_target.c.allow_self_votes, _target.c.author_id != _ballot.c.voter),
        sa.or_(_ballot.c.value == 1, _target.c.allow_downvotes),
        # A member banned from the event is stopped from voting as well as asking.
        ~sa.exists().where(_bans.c.event_id == _target.c.event_id, _bans.c.user_id == _ballot.c.voter),
    )
    .cte("eligible")
)
_inserted = (
    postgresql.insert(_votes)
    .from_select(
        ["question_id", "user_id", "event_id", "value", "cast_at"],
        sa.select(
            _eligible.c.question_id, _eligible.c.voter, _eligible.c.event_id, _eligible.c.value, _eligible.c.cast_at
        ).where(~_eligible.c.taken_back),
    )
    .on_conflict_do_nothing()
    .returning(_votes.c.user_id)
    .cte("inserted")
)
_removed = (
    _votes.delete()
    .where(
        _votes.c.question_id == _eligible.c.question_id,
        _votes.c.user_id == _eligible.c.voter,
        _eligible.c.taken_back,
        # Only the vote this process cast: its term is known exactly (``BallotBox.cast``).
        _votes.c.value == _eligible.c.value,
        _votes.c.cast_at == _eligible.c.cast_at,
    )
    .returning(_votes.c.user_id)
    .cte("removed")
)
_happened = (
    sa.select(_eligible)
    .where(
        sa.or_(
            _eligible.c.voter.in_(sa.select(_inserted.c.user_id)),
            _eligible.c.voter.in_(sa.select(_removed.c.user_id)),
        )
    )
    .cte("happened")
)


def _moved(amount: sa.ColumnElement[int]) -> sa.ScalarSelect[int]:
    """The sum over the ballots that happened of what each moves a counter by."""
    return sa.select(sa.func.coalesce(sa.func.sum(amount), 0)).select_from(_happened).scalar_subquery()


_sign = sa.case((_happened.c.taken_back, -1), else_=1)
_counts = (
    _questions.update()
    .where(_questions.c.id == sa.select(_target.c.id).scalar_subquery(), sa.exists(sa.select(_happened.c.voter)))
    .values(
        votes_up=_questions.c.votes_up + _moved(sa.case((_happened.c.value == 1, _sign), else_=0)),
        votes_down=_questions.c.votes_down + _moved(sa.case((_happened.c.value == -1, _sign), else_=0)),
        score=_questions.c.score + _moved(_sign * _happened.c.value),
        trend_key=_questions.c.trend_key + _moved(_happened.c.trend),
    )
    .returning(_questions.c.votes_up, _questions.c.votes_down, _questions.c.score)
    .cte("counts")
)
_BALLOTS = sa.select(_counts.c.votes_up, _counts.c.votes_down, _counts.c.score, _happened.c.voter).select_from(
    _counts.join(_happened, sa.true())
)


@dataclass(frozen=True, slots=True)
class VoteTally:
    """A question's counts after a vote, and the voter's own vote now (+1, -1 or 0 for none)."""

    question_id: int
    votes_up: int
    votes_down: int
    score: int
    my_vote: int


def _future() -> "asyncio.Future[VoteTally | None]":
    return asyncio.get_running_loop().create_future()


@dataclass(slots=True)
class _Ballot:
    voter: Actor
    value: int
    now: datetime
    repeatable: bool  # casting again changes nothing (``cast_vote``); a toggle is not
    due: Callable[[], float] | None  # when the voter must be answered (``db.engine.answer_due``)
    counted: "asyncio.Future[VoteTally | None]" = field(default_factory=_future)


class BallotBox:
    """What this process knows of questions' events and its own recent votes, and each question's
    lane of votes waiting for the statement ahead of them."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._events: dict[int, int] = {}  # question id -> event id (it never changes)
        self._epochs: dict[int, tuple[datetime, int]] = {}  # event id -> (trend epoch, half-life in s)
        self._votes: dict[tuple[int, int], tuple[int, datetime]] = {}  # (question, voter) -> (value, cast at)
        self._waiting: dict[int, list[_Ballot]] = {}  # question id -> ballots not yet sent
        self._lanes: set[asyncio.Task[None]] = set()

    def learn(self, question_id: int, event_id: int) -> None:
        """Remember a question's event (learnt from a vote through the unit of work; otherwise the
        ballot box reads it once)."""
        self._events[question_id] = event_id

    def cast(self, question_id: int, voter_id: int, value: int, cast_at: datetime) -> None:
        """Remember a vote this process just cast (value and time, as stored), or forget it (0)."""
        key = (question_id, voter_id)
        self._votes.pop(key, None)
        if value:
            self._votes[key] = (value, cast_at)
            if len(self._votes) > REMEMBERED_VOTES:
                del self._votes[next(iter(self._votes))]

    async def vote(
        self, question_id: int, voter: Actor, value: int, now: datetime, *, repeatable: bool
    ) -> VoteTally | None:
        """The voter's first vote on the question, or (a toggle, not ``repeatable``) taking back
        the vote this process saw them cast, with the other votes on it that arrive meanwhile;
        None when it did not happen (nothing was changed) and the unit of work must decide."""
        if not ONE_STATEMENT_VOTES or value not in (-1, 1):
            return None
        ballot = _Ballot(voter, value, now, repeatable, answer_due.get())
        waiting = self._waiting.get(question_id)
        if waiting is None:
            self._waiting[question_id] = [ballot]
            lane = asyncio.create_task(self._lane(question_id), name=f"podium-ballots-{question_id}")
            self._lanes.add(lane)
            lane.add_done_callback(self._lanes.discard)
        else:
            waiting.append(ballot)
        return await ballot.counted

    async def _lane(self, question_id: int) -> None:
        """Send the question's waiting ballots, one statement at a time, until none wait."""
        try:
            while batch := self._next_batch(question_id):
                try:
                    outcomes = await self._send(question_id, batch)
                except Exception as error:  # each voter gets it, as if their vote went alone
                    outcomes = [error] * len(batch)
                for ballot, outcome in zip(batch, outcomes, strict=True):
                    if ballot.counted.done():
                        continue  # the voter stopped waiting (their interaction was cancelled)
                    if isinstance(outcome, Exception):
                        ballot.counted.set_exception(outcome)
                    else:
                        ballot.counted.set_result(outcome)
        finally:
            for ballot in self._waiting.pop(question_id, []):
                if not ballot.counted.done():
                    ballot.counted.set_result(None)

    def _next_batch(self, question_id: int) -> list[_Ballot]:
        """The waiting ballots to send next: one per voter (a second click waits for the first's
        answer), in the order they came, up to ``BALLOTS_PER_STATEMENT``."""
        waiting = self._waiting.get(question_id, [])
        batch: list[_Ballot] = []
        later: list[_Ballot] = []
        voters: set[int] = set()
        for ballot in waiting:
            if ballot.counted.done():
                continue
            if ballot.voter.user_id in voters or len(batch) == BALLOTS_PER_STATEMENT:
                later.append(ballot)
            else:
                voters.add(ballot.voter.user_id)
                batch.append(ballot)
        if later:
            self._waiting[question_id] = later
        else:
            self._waiting.pop(question_id, None)
            if batch:
                # Ballots arriving while this batch runs start a new waiting list for this lane.
                self._waiting[question_id] = []
        return batch

    async def _send(self, question_id: int, batch: list[_Ballot]) -> list[VoteTally | None]:
        """Send one statement for the batch; what each ballot became (None: not done)."""
        event_id = self._events.get(question_id)
        if event_id is None:
            event_id = await self._db.read(_event_of, question_id)
            if event_id is None:
                return [None] * len(batch)  # no such question: the unit of work says so
            self._events[question_id] = event_id
        if event_id not in self._epochs:
            stored = await self._db.read(_epoch_of, event_id)
            if stored is None or stored[0] is None:
                return [None] * len(batch)
            self._epochs[event_id] = stored
        epoch, half_life_s = self._epochs[event_id]
        sent = [b for b in batch if not needs_rebase(b.now, epoch, half_life_s)]
        if not sent:
            return [None] * len(batch)
        rows_by_ballot: list[tuple[_Ballot, bool, datetime]] = []
        for ballot in sent:
            mine = self._votes.get((question_id, ballot.voter.user_id))
            taken_back = not ballot.repeatable and mine is not None and mine[0] == ballot.value
            rows_by_ballot.append((ballot, taken_back, mine[1] if taken_back and mine else ballot.now))
        params = {
            "question_id": question_id,
            "epoch": epoch,
            "half_life_s": half_life_s,
            "voters": [b.voter.user_id for b, _, _ in rows_by_ballot],
            "guild_ids": [b.voter.guild_id for b, _, _ in rows_by_ballot],
            "operators": [b.voter.operator for b, _, _ in rows_by_ballot],
            "values": [b.value for b, _, _ in rows_by_ballot],
            "cast_ats": [cast_at for _, _, cast_at in rows_by_ballot],
            "taken_back": [taken_back for _, taken_back, _ in rows_by_ballot],
            "trends": [
                (-1 if taken_back else 1) * b.value * vote_term(cast_at, epoch, half_life_s)
                for b, taken_back, cast_at in rows_by_ballot
            ],
        }
        # The batch may take as long as its most urgent voter may wait.
        answer_due.set(min((b.due for b in sent if b.due is not None), key=lambda due: due(), default=None))
        repeatable = all(b.repeatable for b in sent)
        rows = await self._db.write_statement(_BALLOTS, params, repeatable=repeatable)
        if not rows:
            self._epochs.pop(event_id, None)  # perhaps a rebase moved it: read it again next time
            return [None] * len(batch)
        votes_up, votes_down, score, _ = rows[0]
        happened = {row.voter for row in rows}
        latest = max(b.now for b in sent)
        if rebase_due(latest, epoch, half_life_s):
            try:
                await self._db.write(rebase_if_due, event_id, latest)
            except PodiumError:
                log.warning("trending: rebase of event %s after a vote failed; a later vote will retry", event_id)
            self._epochs.pop(event_id, None)
        counted: dict[int, VoteTally] = {}
        for ballot, taken_back, _ in rows_by_ballot:
            if ballot.voter.user_id in happened:
                my_vote = 0 if taken_back else ballot.value
                if not ballot.repeatable:
                    self.cast(question_id, ballot.voter.user_id, my_vote, ballot.now)
                counted[id(ballot)] = VoteTally(question_id, votes_up, votes_down, score, my_vote)
        return [counted.get(id(b)) for b in batch]


_EPOCH_AND_HALF_LIFE = sa.select(_events.c.trend_epoch, _events.c.trending_half_life_s).where(
    _events.c.id == sa.bindparam("event")
)


_EVENT_OF = sa.select(_questions.c.event_id).where(_questions.c.id == sa.bindparam("question"))


def _event_of(session: Session, question_id: int) -> int | None:
    return session.connection().execute(_EVENT_OF, {"question": question_id}).scalar_one_or_none()


def _epoch_of(session: Session, event_id: int) -> tuple[datetime | None, int] | None:
    row = session.connection().execute(_EPOCH_AND_HALF_LIFE, {"event": event_id}).first()
    return None if row is None else (row.trend_epoch, row.trending_half_life_s)


_BOXES: "weakref.WeakKeyDictionary[Database, BallotBox]" = weakref.WeakKeyDictionary()


def ballot_box(db: Database) -> BallotBox:
    """The database's ballot box (one per ``Database``, so per process)."""
    box = _BOXES.get(db)
    if box is None:
        box = _BOXES[db] = BallotBox(db)
    return box
