"""Votes: one per person and question, +1 or -1, counted exactly however many arrive at once.

Each change is one transaction that locks the question's row (``FOR UPDATE`` on PostgreSQL;
SQLite has one writer at a time), reads the voter's current vote, then writes the vote and moves
the question's counters by the difference.
The ``(question_id, user_id)`` primary key is the last line of defence: a second row for the same
voter cannot exist. Votes are the hottest path in a burst, so the writes are single Core
statements rather than a unit-of-work flush, run as a core write (``Database.write_core``: on
SQLite, on sqlite3's own connection in the writer's group transaction, with no session and no
savepoint; a refusal comes before any write, so it costs the group nothing). The same update
that moves the counters moves the question's trending key by the vote's term
(``bot.services.qa.trending``). On PostgreSQL a first
vote, or a click taking back a vote this process cast, goes through the ballot box instead
(``bot.services.qa.ballot_box``): with the other votes on its question that arrive meanwhile, in
one statement; the unit of work here decides what that cannot.
"""

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from bot.domain.actors import Actor
from bot.domain.clock import utcnow
from bot.domain.enums import EventState
from bot.domain.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound, PodiumError
from bot.domain.transitions import VOTABLE, VOTING_STATES
from bot.domain.trending import needs_rebase, rebase_due, vote_term
from bot.services.qa.ballot_box import VoteTally, ballot_box
from bot.services.qa.questions import describe_status
from bot.services.qa.trending import rebase_if_due
from db.engine import Database, Statements
from db.models import Event, EventBan, Question, Vote

log = logging.getLogger(__name__)


async def cast_vote(
    db: Database, question_id: int, voter: Actor, value: int = 1, *, now: datetime | None = None
) -> VoteTally:
    """Set the voter's vote on the question to ``value``; casting the same vote again changes nothing."""
    now = now or utcnow()
    first = await _in_one_statement(db, question_id, voter, value, now, repeatable=True)
    return first or await _change_vote(db, question_id, voter, value, lambda current: value, now)


async def toggle_vote(
    db: Database, question_id: int, voter: Actor, value: int = 1, *, now: datetime | None = None
) -> VoteTally:
    """What a vote button does: cast ``value``, or take it back if that is the vote already there."""
    now = now or utcnow()
    done = await _in_one_statement(db, question_id, voter, value, now, repeatable=False)
    if done is not None:
        return done
    tally = await _change_vote(db, question_id, voter, value, lambda current: 0 if current == value else value, now)
    if not db.is_sqlite:
        # A toggle that leaves a vote cast it now; the next click may take it back in one statement.
        ballot_box(db).cast(question_id, voter.user_id, tally.my_vote, now)
    return tally


async def _in_one_statement(
    db: Database, question_id: int, voter: Actor, value: int, now: datetime, *, repeatable: bool
) -> VoteTally | None:
    """On PostgreSQL, the vote through the ballot box (``bot.services.qa.ballot_box``), if it could
    go there; None when the unit of work must decide it."""
    if db.is_sqlite:
        return None
    return await ballot_box(db).vote(question_id, voter, value, now, repeatable=repeatable)


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
    another: what each ballot became (its tally, or the refusal the single call would have raised).

    What a rehearsal replays a run of votes with: the bot's writer commits votes that arrive
    together in one transaction (group commit), and a script's run of votes is such an arrival,
    known in advance. The run is one core write (``Database.write_core``) up to the first ballot
    that needs a rebase of its event (``bot.services.qa.trending``), which runs in a unit of work
    of its own, as the single call would run it, before the rest of the run goes on. A refusal is
    raised before its ballot writes anything (``_apply_vote``), so it leaves nothing to undo and the
    run goes on; any other error undoes the part of the run not yet committed. On PostgreSQL each
    part holds its questions' locks until it commits: for a single-process replay, not for
    members' votes.
    """
    for ballot in ballots:
        if ballot.value not in (-1, 0, 1):
            raise InvalidInput("A vote is +1 (up) or -1 (down).")
    outcomes: list[VoteTally | PodiumError] = []
    while len(outcomes) < len(ballots):
        applied, rebase = await db.write_core(_apply_run, ballots[len(outcomes) :])
        outcomes += applied
        if rebase is not None:
            await db.write(rebase_if_due, *rebase)
    return outcomes


def _apply_run(
    connection: Statements, ballots: Sequence[Ballot]
) -> tuple[list[VoteTally | PodiumError], tuple[int, datetime] | None]:
    """Apply ballots in turn until one needs its event rebased: what each applied became, and the
    rebase (event, moment) due before the next, if one is. A ballot that must wait for the rebase
    is not applied: it comes first in the rest of the run."""
    outcomes: list[VoteTally | PodiumError] = []
    for ballot in ballots:
        try:
            # A cast sets the vote to its value and a removal to 0, whatever the vote was.
            tally, event_id, due = _apply_vote(
                connection, ballot.question_id, ballot.voter, ballot.value, _always(ballot.value), ballot.now
            )
        except _RebaseFirst as first:
            return outcomes, (first.event_id, ballot.now)
        except PodiumError as refusal:
            outcomes.append(refusal)
            continue
        outcomes.append(tally)
        if due:
            return outcomes, (event_id, ballot.now)
    return outcomes, None


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
        tally, event_id, due = await db.write_core(_apply_vote, question_id, voter, value, decide, now)
    except _RebaseFirst as first:
        # Its own unit of work, holding no question's lock while it waits for the event's.
        await db.write(rebase_if_due, first.event_id, now)
        tally, event_id, due = await db.write_core(_apply_vote, question_id, voter, value, decide, now)
    if not db.is_sqlite:
        ballot_box(db).learn(question_id, event_id)
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
_COUNTS = sa.select(_questions.c.id, _questions.c.votes_up, _questions.c.votes_down).where(
    _questions.c.id.in_(sa.bindparam("questions", expanding=True))
)


async def vote_counts(db: Database, question_ids: Collection[int]) -> dict[int, tuple[int, int]]:
    """Each question's upvotes and downvotes as they are now, by id (a question that does not
    exist is left out): one read of one table, for checking many cards often without reading all
    they show."""

    def read(session: Session) -> dict[int, tuple[int, int]]:
        rows = session.connection().execute(_COUNTS, {"questions": list(question_ids)})
        return {question_id: (up, down) for question_id, up, down in rows}

    return await db.read(read)


def _apply_vote(
    connection: Statements, question_id: int, voter: Actor, value: int, decide: Callable[[int], int], now: datetime
) -> tuple[VoteTally, int, bool]:
    """The vote's change, its event, and whether the event is due a rebase now.

    Every refusal is raised before anything is written: ``cast_ballots`` relies on it to go on
    after one without a savepoint per ballot, and SQLite's writer (``Database.write_core``) to
    go on with the other writes of its group."""
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


def _insert_first_vote(connection: Statements, question: sa.Row, voter: Actor, value: int, now: datetime) -> bool:
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
