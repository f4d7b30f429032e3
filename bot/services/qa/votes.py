"""Votes: one per person and question, +1 or -1, counted exactly however many arrive at once.

Each change is one transaction that locks the question's row (``FOR UPDATE`` on PostgreSQL;
SQLite has one writer at a time), reads the voter's current vote, then writes the vote and moves
the question's counters by the difference.
The ``(question_id, user_id)`` primary key is the last line of defence: a second row for the same
voter cannot exist. Votes are the hottest path in a burst, so the writes are single Core
statements rather than a unit-of-work flush. The same update that moves the counters moves the
question's trending key by the vote's term (``bot.services.qa.trending``).
"""

import logging
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from bot.domain.actors import Actor
from bot.domain.clock import utcnow
from bot.domain.enums import EventState, QuestionStatus
from bot.domain.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound, PodiumError
from bot.domain.trending import needs_rebase, rebase_due, vote_term
from bot.services.qa.questions import describe_status
from bot.services.qa.trending import rebase_if_due
from db.engine import Database
from db.models import Event, EventBan, Question, Vote

log = logging.getLogger(__name__)

VOTABLE = frozenset({QuestionStatus.PUBLISHED, QuestionStatus.LIVE})
VOTING_STATES = frozenset({EventState.OPEN, EventState.PAUSED})


@dataclass(frozen=True, slots=True)
class VoteTally:
    """A question's counts after a vote, and the voter's own vote now (+1, -1 or 0 for none)."""

    question_id: int
    votes_up: int
    votes_down: int
    score: int
    my_vote: int


async def cast_vote(
    db: Database, question_id: int, voter: Actor, value: int = 1, *, now: datetime | None = None
) -> VoteTally:
    """Set the voter's vote on the question to ``value``; casting the same vote again changes nothing."""
    now = now or utcnow()
    first = await _vote_in_one_statement(db, question_id, voter, value, now, repeatable=True)
    return first or await _change_vote(db, question_id, voter, value, lambda current: value, now)


async def toggle_vote(
    db: Database, question_id: int, voter: Actor, value: int = 1, *, now: datetime | None = None
) -> VoteTally:
    """What a vote button does: cast ``value``, or take it back if that is the vote already there."""
    now = now or utcnow()
    done = await _vote_in_one_statement(db, question_id, voter, value, now, repeatable=False)
    if done is not None:
        return done
    tally = await _change_vote(db, question_id, voter, value, lambda current: 0 if current == value else value, now)
    if not db.is_sqlite:
        # A toggle that leaves a vote cast it now; the next click may take it back in one statement.
        _known(db).cast(question_id, voter.user_id, tally.my_vote, now)
    return tally


async def remove_vote(db: Database, question_id: int, voter: Actor, *, now: datetime | None = None) -> VoteTally:
    """Take back the voter's vote, if they have one."""
    return await _change_vote(db, question_id, voter, 0, lambda current: 0, now)


@dataclass(frozen=True, slots=True)
class Ballot:
    """One vote of a run replayed together (``cast_ballots``): ``value`` +1 or -1 casts it as
    ``cast_vote`` does, 0 takes the voter's vote back as ``remove_vote`` does; cast at ``now``."""

    question_id: int
    voter: Actor
    value: int
    now: datetime


async def cast_ballots(db: Database, ballots: Sequence[Ballot]) -> list[VoteTally | PodiumError]:
    """Apply each ballot in turn, exactly as ``cast_vote`` or ``remove_vote`` would one after
    another, in one unit of work: what each ballot became (its tally, or the refusal the single
    call would have raised).

    What a rehearsal replays a run of votes with: the bot's writer commits votes that arrive
    together in one transaction (group commit), and a script's run of votes is such an arrival,
    known in advance. A refusal is raised before its ballot writes anything (``_apply_vote``), so
    it leaves nothing to undo and the run goes on; any other error undoes the whole run. A rebase
    one needs (``bot.services.qa.trending``) runs in the same unit of work at that
    point, where the single call would run it in one of its own. Nothing is committed before all
    are applied, so on PostgreSQL the run holds its questions' locks until the end: for a
    single-process replay, not for members' votes.
    """
    for ballot in ballots:
        if ballot.value not in (-1, 0, 1):
            raise InvalidInput("A vote is +1 (up) or -1 (down).")

    def apply_all(session: Session) -> list[VoteTally | PodiumError]:
        outcomes: list[VoteTally | PodiumError] = []
        for ballot in ballots:
            # A cast sets the vote to its value and a removal to 0, whatever the vote was.
            decide = _always(ballot.value)
            try:
                try:
                    tally, event_id, due = _apply_vote(
                        session, ballot.question_id, ballot.voter, ballot.value, decide, ballot.now
                    )
                except _RebaseFirst as first:
                    rebase_if_due(session, first.event_id, ballot.now)
                    tally, event_id, due = _apply_vote(
                        session, ballot.question_id, ballot.voter, ballot.value, decide, ballot.now
                    )
                if due:
                    rebase_if_due(session, event_id, ballot.now)
            except PodiumError as refusal:
                outcomes.append(refusal)
            else:
                outcomes.append(tally)
        return outcomes

    return await db.write(apply_all) if ballots else []


def _always(value: int) -> Callable[[int], int]:
    return lambda _current: value


async def _change_vote(
    db: Database,
    question_id: int,
    voter: Actor,
    value: int,
    decide: Callable[[int], int],
    now: datetime | None,
) -> VoteTally:
    """Move the voter from their current vote to ``decide(current)``, if the vote is allowed."""
    if value not in (-1, 0, 1):
        raise InvalidInput("A vote is +1 (up) or -1 (down).")
    now = now or utcnow()
    try:
        tally, event_id, due = await db.write(_apply_vote, question_id, voter, value, decide, now)
    except _RebaseFirst as first:
        # Its own unit of work, holding no question's lock while it waits for the event's.
        await db.write(rebase_if_due, first.event_id, now)
        tally, event_id, due = await db.write(_apply_vote, question_id, voter, value, decide, now)
    _known(db).learn(question_id, event_id)
    if due:
        try:
            await db.write(rebase_if_due, event_id, now)
        except PodiumError:
            # The vote is saved; the next one asks again, and one past MAX_EXPONENT waits for it.
            log.warning("trending: rebase of event %s after a vote failed; a later vote will retry", event_id)
    return tally


class _RebaseFirst(Exception):
    """The vote cannot be weighed against its event's epoch until the event is rebased."""

    def __init__(self, event_id: int) -> None:
        super().__init__(event_id)
        self.event_id = event_id


# Votes are the hot path of a burst, so this path stays in SQLAlchemy Core, with its statements
# built once: building a statement, or loading ORM objects, costs more here than running it.
_votes, _questions, _events, _bans = Vote.__table__, Question.__table__, Event.__table__, EventBan.__table__
_LOCK_QUESTION = (
    sa.select(
        _questions.c.id,
        _questions.c.event_id,
        _questions.c.status,
        _questions.c.merged_into,
        _questions.c.author_id,
        _questions.c.votes_up,
        _questions.c.votes_down,
        _questions.c.score,
        _events.c.guild_id,
        _events.c.state.label("event_state"),
        _events.c.title.label("event_title"),
        _events.c.allow_self_votes,
        _events.c.allow_downvotes,
        _events.c.trend_epoch,
        _events.c.trending_half_life_s,
        _bans.c.user_id.label("banned_voter"),
    )
    .join(_events, _events.c.id == _questions.c.event_id)
    # A member banned from the event is stopped from voting as well as asking: no vote brigades.
    .outerjoin(_bans, sa.and_(_bans.c.event_id == _questions.c.event_id, _bans.c.user_id == sa.bindparam("voter")))
    .where(_questions.c.id == sa.bindparam("question_id"))
    .with_for_update(of=_questions)
)
# Bound-parameter names differ from column names: UPDATE reserves the column names for SET.
_VOTE_KEY = sa.and_(_votes.c.question_id == sa.bindparam("voted_on"), _votes.c.user_id == sa.bindparam("voter"))
_CURRENT_VOTE = sa.select(_votes.c.value, _votes.c.cast_at).where(_VOTE_KEY)
# A first vote (the common case) is one INSERT that does nothing if the voter already has a row.
_INSERT_FIRST_VOTE = {
    "postgresql": postgresql.insert(_votes).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(_votes).on_conflict_do_nothing(),
}
# A vote the voter changes is theirs from then on, no longer a copy that unmerging takes back.
_CHANGE_VOTE = (
    _votes.update()
    .where(_VOTE_KEY)
    .values(value=sa.bindparam("value"), cast_at=sa.bindparam("cast_at"), merged_from=None)
)
_DELETE_VOTE = _votes.delete().where(_VOTE_KEY)
_EPOCH = sa.select(_events.c.trend_epoch).where(_events.c.id == sa.bindparam("event"))
_EPOCH_AND_HALF_LIFE = sa.select(_events.c.trend_epoch, _events.c.trending_half_life_s).where(
    _events.c.id == sa.bindparam("event")
)
_MOVE_COUNTS = (
    _questions.update()
    .where(
        _questions.c.id == sa.bindparam("voted_on"),
        # The key's term was weighed against this epoch; see the one caller for when it is stale.
        sa.select(_events.c.trend_epoch).where(_events.c.id == _questions.c.event_id).scalar_subquery()
        == sa.bindparam("epoch"),
    )
    .values(
        votes_up=_questions.c.votes_up + sa.bindparam("up"),
        votes_down=_questions.c.votes_down + sa.bindparam("down"),
        score=_questions.c.score + sa.bindparam("net"),
        trend_key=_questions.c.trend_key + sa.bindparam("trend"),
    )
)
_COUNTS = sa.select(_questions.c.votes_up, _questions.c.votes_down).where(_questions.c.id == sa.bindparam("question"))


async def vote_counts(db: Database, question_id: int) -> tuple[int, int]:
    """A question's upvotes and downvotes as they are now: one row of one table, for checking a
    card often without reading all it shows."""

    def read(session: Session) -> tuple[int, int]:
        up, down = session.connection().execute(_COUNTS, {"question": question_id}).one()
        return up, down

    return await db.read(read)


# PostgreSQL: a voter's first vote on a question, the usual vote of a burst, in one statement and
# one round trip (``Database.write_statement``, autocommit): lock the question if every check of
# ``_check_can_vote`` passes and its event's epoch and half-life are the ones the vote was weighed
# against, insert the vote unless the voter has one, move the counters and the key. It returns a
# row only if all of that happened; otherwise it changed nothing, and the unit of work
# (``_apply_vote``) decides, refusing with the reason where there is one.
# The epoch is checked by ``podium_trend_epoch_is`` (migration 0013_speed_postgresql), which reads
# the event with a snapshot of its own each time it is evaluated, and PostgreSQL evaluates the
# locking query's conditions again once a lock it waited for is granted: a rebase (which holds
# every question's lock until it commits) committed while this waited has moved the epoch, and
# the check then fails. The statement's own snapshot, or a KEY SHARE lock on the event (which a
# rebase's NO KEY UPDATE does not block), would still show the old one.
_target = (
    sa.select(_questions.c.id, _questions.c.event_id)
    .join(_events, _events.c.id == _questions.c.event_id)
    .where(
        _questions.c.id == sa.bindparam("question_id"),
        _questions.c.status.in_(sorted(VOTABLE)),
        sa.or_(_events.c.guild_id == sa.bindparam("guild_id"), sa.bindparam("operator", type_=sa.Boolean)),
        _events.c.state.in_(sorted(VOTING_STATES)),
        sa.or_(_events.c.allow_self_votes, _questions.c.author_id != sa.bindparam("voter")),
        sa.or_(sa.bindparam("value", type_=sa.Integer) == 1, _events.c.allow_downvotes),
        ~sa.exists().where(_bans.c.event_id == _questions.c.event_id, _bans.c.user_id == sa.bindparam("voter")),
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
_inserted = (
    postgresql.insert(_votes)
    .from_select(
        ["question_id", "user_id", "event_id", "value", "cast_at"],
        sa.select(
            _target.c.id,
            sa.bindparam("voter", type_=sa.BigInteger),
            _target.c.event_id,
            sa.bindparam("value", type_=sa.Integer),
            sa.bindparam("cast_at", type_=_votes.c.cast_at.type),
        ),
    )
    .on_conflict_do_nothing()
    .returning(_votes.c.question_id)
    .cte("inserted")
)
_removed = (
    _votes.delete()
    .where(
        _votes.c.question_id.in_(sa.select(_target.c.id)),
        _votes.c.user_id == sa.bindparam("voter"),
        # Only the vote this process cast: its term is known exactly (``_Known.votes``).
        _votes.c.value == sa.bindparam("value"),
        _votes.c.cast_at == sa.bindparam("cast_at"),
    )
    .returning(_votes.c.question_id)
    .cte("removed")
)


def _counts_moved_for(changed: sa.CTE) -> sa.Update:
    """Move the counters and the key of the question ``changed`` returns, by the bound amounts."""
    return (
        _questions.update()
        .where(_questions.c.id == changed.c.question_id)
        .values(
            votes_up=_questions.c.votes_up + sa.bindparam("up"),
            votes_down=_questions.c.votes_down + sa.bindparam("down"),
            score=_questions.c.score + sa.bindparam("net"),
            trend_key=_questions.c.trend_key + sa.bindparam("trend"),
        )
        .returning(_questions.c.votes_up, _questions.c.votes_down, _questions.c.score, _questions.c.event_id)
    )


_FIRST_VOTE = _counts_moved_for(_inserted)
# A toggle that takes back a vote this process cast, the other usual click of a burst (a member
# clicking the top question again): the same checks and lock, then the delete, in one statement.
_VOTE_TAKEN_BACK = _counts_moved_for(_removed)
# How many of its own votes a process remembers for ``_VOTE_TAKEN_BACK`` (the oldest go first; a
# vote forgotten is taken back by the unit of work, as any other).
REMEMBERED_VOTES = 100_000
# Switched off by bench/votes.py to measure the unit of work alone, as every vote went before.
ONE_STATEMENT_FIRST_VOTES = True


@dataclass
class _Known:
    """What this process learnt of questions' events from earlier votes: a question's event never
    changes, and an event's epoch and half-life are checked by the statement that relies on them."""

    events: dict[int, int]  # question id -> event id
    epochs: dict[int, tuple[datetime, int]]  # event id -> (trend epoch, half-life in seconds)
    votes: dict[tuple[int, int], tuple[int, datetime]]  # (question id, voter) -> (value, cast at)

    def learn(self, question_id: int, event_id: int) -> None:
        self.events[question_id] = event_id

    def cast(self, question_id: int, voter_id: int, value: int, cast_at: datetime) -> None:
        """Remember a vote this process just cast (value and time, as stored), or forget it (0)."""
        key = (question_id, voter_id)
        self.votes.pop(key, None)
        if value:
            self.votes[key] = (value, cast_at)
            if len(self.votes) > REMEMBERED_VOTES:
                del self.votes[next(iter(self.votes))]


_KNOWN: "weakref.WeakKeyDictionary[Database, _Known]" = weakref.WeakKeyDictionary()


def _known(db: Database) -> _Known:
    known = _KNOWN.get(db)
    if known is None:
        known = _KNOWN[db] = _Known({}, {}, {})
    return known


async def _vote_in_one_statement(
    db: Database, question_id: int, voter: Actor, value: int, now: datetime, *, repeatable: bool
) -> VoteTally | None:
    """On PostgreSQL, the voter's first vote on the question, or (a toggle, not ``repeatable``)
    taking back the vote this process saw them cast, in one statement, if this process knows the
    question's event and its epoch and the vote needs no rebase first; None when it did not
    happen (nothing was changed) and the unit of work must decide."""
    if db.is_sqlite or not ONE_STATEMENT_FIRST_VOTES or value not in (-1, 1):
        return None
    known = _known(db)
    event_id = known.events.get(question_id)
    if event_id is None:
        return None
    if event_id not in known.epochs:
        stored = await db.read(_epoch_of, event_id)
        if stored is None or stored[0] is None:
            return None
        known.epochs[event_id] = stored
    epoch, half_life_s = known.epochs[event_id]
    if needs_rebase(now, epoch, half_life_s):
        return None
    mine = known.votes.get((question_id, voter.user_id))
    taken_back = not repeatable and mine is not None and mine[0] == value
    cast_at = mine[1] if taken_back and mine is not None else now
    sign = -1 if taken_back else 1
    params = {
        "question_id": question_id,
        "guild_id": voter.guild_id,
        "operator": voter.operator,
        "epoch": epoch,
        "half_life_s": half_life_s,
        "voter": voter.user_id,
        "value": value,
        "cast_at": cast_at,
        "up": sign * int(value == 1),
        "down": sign * int(value == -1),
        "net": sign * value,
        "trend": sign * value * vote_term(cast_at, epoch, half_life_s),
    }
    statement = _VOTE_TAKEN_BACK if taken_back else _FIRST_VOTE
    rows = await db.write_statement(statement, params, repeatable=repeatable)
    if not rows:
        known.epochs.pop(event_id, None)
        return None
    votes_up, votes_down, score, _ = rows[0]
    if rebase_due(now, epoch, half_life_s):
        try:
            await db.write(rebase_if_due, event_id, now)
        except PodiumError:
            log.warning("trending: rebase of event %s after a vote failed; a later vote will retry", event_id)
        known.epochs.pop(event_id, None)
    my_vote = 0 if taken_back else value
    if not repeatable:
        known.cast(question_id, voter.user_id, my_vote, now)
    return VoteTally(question_id, votes_up, votes_down, score, my_vote)


def _epoch_of(session: Session, event_id: int) -> tuple[datetime | None, int] | None:
    row = session.connection().execute(_EPOCH_AND_HALF_LIFE, {"event": event_id}).first()
    return None if row is None else (row.trend_epoch, row.trending_half_life_s)


def _apply_vote(
    session: Session, question_id: int, voter: Actor, value: int, decide: Callable[[int], int], now: datetime
) -> tuple[VoteTally, int, bool]:
    """The vote's change, its event, and whether the event is due a rebase now.

    Every refusal is raised before anything is written: ``cast_ballots`` relies on it to go on
    after one without a savepoint per ballot."""
    connection = session.connection()
    question = connection.execute(_LOCK_QUESTION, {"question_id": question_id, "voter": voter.user_id}).first()
    if question is None or not voter.acts_in(question.guild_id):
        raise NotFound(f"There is no question #{question_id}.")
    _check_can_vote(question, voter, value)
    half_life_s, epoch = question.trending_half_life_s, question.trend_epoch
    if needs_rebase(now, epoch, half_life_s):
        raise _RebaseFirst(question.event_id)
    key = {"voted_on": question_id, "voter": voter.user_id}
    first_vote = decide(0)
    if first_vote and _insert_first_vote(connection, question, voter, first_vote, now):
        current, current_cast_at, new = 0, now, first_vote
    else:
        # Read only once the lock is held: on PostgreSQL a row joined into the locking query would
        # come from the snapshot taken before the wait, and could miss a vote committed meanwhile.
        current_vote = connection.execute(_CURRENT_VOTE, key).first()
        current, current_cast_at = current_vote if current_vote is not None else (0, now)
        new = decide(current)
        if new != current:
            connection.execute(_DELETE_VOTE if new == 0 else _CHANGE_VOTE, {**key, "value": new, "cast_at": now})
    up = (new == 1) - (current == 1)
    down = (new == -1) - (current == -1)
    if new != current:
        counts = {"voted_on": question_id, "up": up, "down": down, "net": new - current}

        def move(epoch: datetime) -> int:
            trend = new * vote_term(now, epoch, half_life_s) - current * vote_term(current_cast_at, epoch, half_life_s)
            return connection.execute(_MOVE_COUNTS, {**counts, "trend": trend, "epoch": epoch}).rowcount

        if not move(epoch):
            # PostgreSQL only: a rebase committed while this vote waited for the question's lock,
            # after the locking query's snapshot. Read now, the epoch cannot move again before
            # this commits (a rebase locks every question of the event).
            move(connection.execute(_EPOCH, {"event": question.event_id}).scalar_one())
    # The row is locked, so the counts read above plus this change are the counts now.
    tally = VoteTally(
        question_id, question.votes_up + up, question.votes_down + down, question.score + new - current, new
    )
    return tally, question.event_id, new != current and rebase_due(now, epoch, half_life_s)


def _insert_first_vote(connection: sa.Connection, question: sa.Row, voter: Actor, value: int, now: datetime) -> bool:
    """Insert the voter's vote if they have none yet; say whether it was inserted."""
    inserted = connection.execute(
        _INSERT_FIRST_VOTE[connection.dialect.name],
        {
            "question_id": question.id,
            "user_id": voter.user_id,
            "event_id": question.event_id,
            "value": value,
            "cast_at": now,
        },
    )
    return inserted.rowcount == 1


def _check_can_vote(question: sa.Row, voter: Actor, value: int) -> None:
    if question.event_state not in VOTING_STATES:
        when = "closed" if question.event_state in (EventState.CLOSED, EventState.ARCHIVED) else "not open yet"
        raise InvalidTransition(f"Voting for “{question.event_title}” is {when}.")
    if question.banned_voter is not None:
        raise NotAllowed("A moderator has stopped you from voting in this event.")
    if question.status not in VOTABLE:
        raise InvalidTransition(f"Question #{question.id} is {describe_status(question)}, so it no longer takes votes.")
    if question.author_id == voter.user_id and not question.allow_self_votes:
        raise NotAllowed("You cannot vote on your own question.")
    if value == -1 and not question.allow_downvotes:
        raise NotAllowed("This event does not use downvotes.")
