"""The event's board and the members' own views of the queue: what each shows, in which order.

**The board** is one public message per event: its state, the question being answered, and the
top of the queue. Its order moves calmly, because a button that jumps away under the pointer
gets the wrong question voted on:

- a redraw answering a click never re-sorts: the questions stay where the member saw them, with
  new counts (``read_board(..., resort=False)``); a question that left the queue leaves at once,
  and free places are filled from the top of the queue;
- the board is re-sorted at most every ``RESORT_INTERVAL_S``, and only once nobody has clicked
  it for ``QUIET_S``, unless it has waited ``LONGEST_CALM_S`` (a burst of votes that never
  pauses still gets its true order that often) (``resort_due``).

So the last vote of a burst is followed by the true order within ``RESORT_INTERVAL_S`` (or
``QUIET_S``, whichever comes later), plus one edit.

**Browse** is a member's own page of every open question: Popular (net votes), Trending (recent
votes weigh more) or Recent, narrowed to a theme or to questions containing some words, with the
member's own vote on each. **My questions** is the member's questions, where each stands, and why
one was set aside.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain.actors import Actor
from bot.domain.enums import DraftKind, DraftStatus, EventState, QuestionStatus, ReasonCode
from bot.domain.errors import NotFound
from bot.domain.transitions import VOTING_STATES
from bot.services.qa.events import load_event
from bot.services.qa.questions import describe_status
from bot.services.qa.ranking import VISIBLE, Order, queue_order, ranked
from bot.services.qa.routing import load_channels
from db.engine import Database
from db.models import Draft, Event, Question, Vote

BOARD_SIZE = 10
RESORT_INTERVAL_S = 2.5
QUIET_S = 1.0
LONGEST_CALM_S = 10.0
BROWSE_PAGE_SIZE = 8
SEARCH_MAX = 40


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """What the event's state allows on the board, and the line that says why when it does not."""

    can_ask: bool
    can_vote: bool
    line: str


def lifecycle(event: Event) -> Lifecycle:
    """Asking and voting as the services allow them in this state, said in the audience's words."""
    can_vote = event.state in VOTING_STATES
    match event.state:
        case EventState.OPEN:
            return Lifecycle(True, can_vote, "🟢 Taking questions: ask yours, and upvote the ones you want answered.")
        case EventState.PAUSED:
            line = "⏸️ Paused by the moderators: new questions wait until it resumes. Votes still count."
            return Lifecycle(False, can_vote, line)
        case EventState.DRAFT | EventState.SCHEDULED:
            return Lifecycle(False, can_vote, "🕒 Not open yet: questions open when the event starts.")
        case _:
            return Lifecycle(False, can_vote, "🔒 The Q&A is closed: thank you for your questions and votes.")


@dataclass(frozen=True, slots=True)
class Board:
    """The board as it should be drawn: the event, the live question, the questions shown in order,
    whether that order is the queue's own (``sorted``), how many wait, and the recap's channel
    once a recap is approved."""

    event: Event
    live: Question | None
    questions: list[Question]
    sorted: bool
    waiting: int
    recap_channel_id: int | None = None
    lifecycle: Lifecycle = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lifecycle", lifecycle(self.event))


def resort_due(now: float, sorted_at: float, last_click_at: float) -> bool:
    """Whether a board sorted at ``sorted_at`` and last clicked at ``last_click_at`` may be re-sorted
    at ``now`` (monotonic seconds): see the module's docstring."""
    if now - sorted_at < RESORT_INTERVAL_S:
        return False
    return now - last_click_at >= QUIET_S or now - sorted_at >= LONGEST_CALM_S


def next_resort_at(sorted_at: float, last_click_at: float) -> float:
    """The first moment ``resort_due`` allows a re-sort, if no click comes meanwhile."""
    return max(sorted_at + RESORT_INTERVAL_S, min(last_click_at + QUIET_S, sorted_at + LONGEST_CALM_S))


def calm_order(shown: Sequence[int], ranked: Sequence[int], still_visible: set[int], *, size: int) -> list[int]:
    """The questions shown, kept where they were unless they left the queue, then the free places
    filled from the top of the ranking."""
    kept = [qid for qid in shown if qid in still_visible][:size]
    return kept + [qid for qid in ranked if qid not in kept][: size - len(kept)]


async def read_board(db: Database, event_id: int, *, shown: Sequence[int] = (), resort: bool = True) -> Board:
    """The event's board, in one read: re-sorted if ``resort``, else the ``shown`` questions in place."""

    def read(session: Session) -> Board:
        event = load_event(session, event_id)
        live = session.exec(
            select(Question).where(Question.event_id == event_id, Question.status == QuestionStatus.LIVE)
        ).first()
        waiting_query = select(Question).where(
            Question.event_id == event_id, Question.status == QuestionStatus.PUBLISHED
        )
        ranked = list(session.exec(queue_order(waiting_query).limit(BOARD_SIZE)))
        waiting = session.exec(
            select(sa.func.count()).where(Question.event_id == event_id, Question.status == QuestionStatus.PUBLISHED)
        ).one()
        by_id = {q.id or 0: q for q in ranked}
        order = list(by_id)
        if not resort and shown:
            missing = [qid for qid in shown if qid not in by_id]
            if missing:
                for question in session.exec(
                    waiting_query.where(col(Question.id).in_(missing))
                ):  # shown, still waiting, no longer in the top
                    by_id[question.id or 0] = question
            order = calm_order(shown, order, set(by_id), size=BOARD_SIZE)
        recap = session.exec(
            select(Draft.id).where(
                Draft.event_id == event_id, Draft.kind == DraftKind.RECAP, Draft.status == DraftStatus.APPROVED
            )
        ).first()
        return Board(
            event=event,
            live=live,
            questions=[by_id[qid] for qid in order],
            sorted=order == [q.id for q in ranked],
            waiting=waiting,
            recap_channel_id=load_channels(session, event_id).recap if recap is not None else None,
        )

    return await db.read(read)


async def set_board_message(db: Database, event_id: int, message_id: int | None) -> None:
    """Remember the Discord message that shows the event's board."""

    def remember(session: Session) -> None:
        event = load_event(session, event_id, for_update=True)
        event.board_message_id = message_id
        session.add(event)

    await db.write(remember)


class BrowseOrder(StrEnum):
    """The orders a member can browse in; each value is one letter, as it travels in a custom_id."""

    POPULAR = "p"
    TRENDING = "t"
    RECENT = "r"


_RANKING = {BrowseOrder.POPULAR: Order.TOP, BrowseOrder.TRENDING: Order.TRENDING, BrowseOrder.RECENT: Order.NEWEST}


@dataclass(frozen=True, slots=True)
class BrowsePage:
    """One page of Browse: its questions, the member's vote on each (+1, -1; absent: none), the
    page number and how many pages there are, and the themes one can narrow to."""

    event: Event
    questions: list[Question]
    my_votes: dict[int, int]
    page: int
    pages: int
    themes: list[str]
    lifecycle: Lifecycle


async def browse_page(
    db: Database,
    event_id: int,
    member: Actor,
    *,
    order: BrowseOrder = BrowseOrder.POPULAR,
    page: int = 0,
    theme: str | None = None,
    search: str | None = None,
) -> BrowsePage:
    """A page of the event's open questions (waiting or being answered) for this member.

    ``theme`` keeps the questions whose theme starts with it (a custom_id carries only the first
    characters of a long theme name); ``search``, those containing it (case-insensitive).
    """
    search = (search or "").strip()[:SEARCH_MAX] or None

    def narrowed(query: sa.Select) -> sa.Select:
        if theme:
            query = query.where(col(Question.theme).startswith(theme, autoescape=True))
        if search:
            query = query.where(col(Question.text).icontains(search, autoescape=True))
        return query

    # One unit of work: a vote in Browse is answered with this page, and in a burst every hop
    # to a reader thread is a wait in the member's click. Its counts and votes are read as plain
    # rows (SQLAlchemy Core): only the page's questions are loaded as objects.
    def read(session: Session) -> BrowsePage:
        event = load_event(session, event_id)
        if not member.acts_in(event.guild_id):
            raise NotFound(f"There is no event #{event_id}.")
        connection = session.connection()
        by_theme = connection.execute(_VISIBLE_BY_THEME, {"event": event_id}).all()
        themes = [theme for theme, _ in by_theme if theme]
        if theme or search:
            total = connection.execute(narrowed(_VISIBLE_COUNT), {"event": event_id}).scalar_one()
        else:
            total = sum(count for _, count in by_theme)
        pages = max(1, -(-total // BROWSE_PAGE_SIZE))
        at = min(max(0, page), pages - 1)
        questions = list(
            ranked(
                session,
                event_id,
                order=_RANKING[order],
                limit=BROWSE_PAGE_SIZE,
                offset=at * BROWSE_PAGE_SIZE,
                narrow=narrowed,
            )
        )
        ids = [q.id for q in questions]
        my_votes = dict(connection.execute(_MY_VOTES, {"voter": member.user_id, "questions": ids}).all()) if ids else {}
        return BrowsePage(event, questions, my_votes, at, pages, themes, lifecycle(event))

    return await db.read(read)


_VISIBLE = sa.and_(Question.event_id == sa.bindparam("event"), col(Question.status).in_(VISIBLE))
# The event's open questions by theme (no theme: None), themes in order: the themes Browse offers,
# and how many questions it pages through when it is not narrowed.
_VISIBLE_BY_THEME = (
    sa.select(Question.theme, sa.func.count()).where(_VISIBLE).group_by(Question.theme).order_by(Question.theme)
)
_VISIBLE_COUNT = sa.select(sa.func.count()).select_from(Question).where(_VISIBLE)
_MY_VOTES = sa.select(Vote.question_id, Vote.value).where(
    Vote.user_id == sa.bindparam("voter"), col(Vote.question_id).in_(sa.bindparam("questions", expanding=True))
)

_REASONS = {
    ReasonCode.OFF_TOPIC: "off-topic for this event",
    ReasonCode.DUPLICATE: "it repeats another question",
    ReasonCode.INAPPROPRIATE: "it breaks the server's rules",
    ReasonCode.ALREADY_ANSWERED: "it was already answered",
    ReasonCode.OTHER: "a moderator's note",
}


def where_it_stands(question: Question) -> str:
    """A question's status for its asker, with the reason when a moderator set it aside."""
    status = describe_status(question)
    if question.status is QuestionStatus.DISMISSED and question.reason is not None:
        why = _REASONS[question.reason]
        note = f": {question.reason_note}" if question.reason_note else ""
        return f"{status} ({why}{note})"
    return status
