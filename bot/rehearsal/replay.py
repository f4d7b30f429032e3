"""The replay: a script's actions through the services the bot calls, on a simulated clock.

Each line runs at ``event start + t`` (passed to the services as ``now``), by the person it names:
audience members ("u17") and moderators ("m1") become ``Actor``s with stable ids, moderators with
Manage Server in the rehearsal's server. A line the bot would refuse raises the same
``PodiumError`` there; it is recorded with its reason and the replay goes on.

Around the script, the rehearsal does what the people running the event would: a host creates
the event from its plan, adds the report and opens it at the start; the themes are refreshed once
a minute of event time (the cadence the bot keeps, and only when questions came, went or changed:
clustering is the costliest step, votes do not move it); at the end a digest is drafted, the event
closes, and the recap is drafted and approved, which returns it with the ledger's summary.
"""

import asyncio
import hashlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from bot.domain.actors import Actor
from bot.domain.errors import NotFound, PodiumError
from bot.llm.client import ModelClient
from bot.rehearsal.script import EventPlan, Line
from bot.services.drafts.drafting import ApprovedRecap, approve_recap, draft_digest, draft_recap
from bot.services.qa.events import close_event, create_event, open_event
from bot.services.qa.moderation import (
    answer_live,
    approve_question,
    ban_asker,
    edit_question,
    mark_answered,
    mark_live,
    pin_question,
    set_aside_question,
    take_next,
)
from bot.services.qa.questions import submit_question, withdraw_question
from bot.services.qa.text import normalise
from bot.services.qa.votes import Ballot, cast_ballots, cast_vote, remove_vote
from bot.services.reports.report import add_report
from bot.services.sense.dedup import suggest_similar
from bot.services.sense.merges import merge_questions
from bot.services.sense.screening import score_ahead
from bot.services.sense.similarity import PROBES_KEPT, SimilarityIndex
from bot.services.sense.themes import refresh_themes
from db.engine import Database
from db.models import Draft

# The rehearsal's own server: every actor acts there, so the services' server checks hold.
REHEARSAL_GUILD_ID = 1
HOST = Actor(user_id=1, display_name="rehearsal host", manages_guild=True, guild_id=REHEARSAL_GUILD_ID)
THEME_REFRESH_S = 60.0
# Consecutive votes replayed in one unit of work at most (the bot's writer groups as many).
VOTE_RUN = 256
VOTES = frozenset({"vote", "unvote"})
# Members whose Actor is kept for their next lines (a few MB).
MEMBERS_KEPT = 1 << 15
# Questions encoded ahead in one batch (the similarity index keeps as many for their look-ups).
ASKS_AHEAD = PROBES_KEPT // 2


def person_id(name: str) -> int:
    """A stable id for a script's name ("u17"), the same in every run and every script."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=7).digest(), "big") + 1_000


@lru_cache(maxsize=MEMBERS_KEPT)
def member(name: str) -> Actor:
    """An audience member of the rehearsal's server (the same ``Actor`` again for a name seen
    lately: a script names the same members on thousands of lines)."""
    return Actor(user_id=person_id(name), display_name=name, guild_id=REHEARSAL_GUILD_ID)


def moderator(name: str) -> Actor:
    """A moderator of the rehearsal's server (Manage Server makes them one)."""
    return Actor(user_id=person_id(name), display_name=name, manages_guild=True, guild_id=REHEARSAL_GUILD_ID)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A line the bot refused, and the reason it gave."""

    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class Rehearsal:
    """What a replay did: the event, the questions by ref, what was refused, the drafts, and timings."""

    event_id: int
    starts_at: datetime
    ends_at: datetime
    lines: int
    refs: dict[int, str]  # question id -> the script's ref
    refused: list[Refusal]
    done: Counter[str]  # lines the bot accepted, by action
    suggested: int  # asks that were offered an existing question before sending theirs
    theme_refreshes: int
    themes_s: float
    replay_s: float  # the script's lines, theme refreshes included
    drafts_s: float
    digest: Draft
    recap: ApprovedRecap
    action_s: dict[str, float] = field(default_factory=dict)  # replay time by action (votes: "vote")

    @property
    def lines_per_s(self) -> float:
        return self.lines / self.replay_s if self.replay_s else 0.0


async def rehearse(
    db: Database,
    script: Sequence[Line],
    plan: EventPlan,
    *,
    report_name: str,
    report: bytes,
    similar: SimilarityIndex,
    model: ModelClient | None = None,
    on_line: Callable[[Line], None] | None = None,
) -> Rehearsal:
    """Create and open the planned event with its report (``report``, the file named ``report_name``),
    replay the script, then draft the digest, close the event, and draft and approve the recap.
    ``on_line`` is told of each line replayed."""
    event = await create_event(
        db,
        REHEARSAL_GUILD_ID,
        HOST,
        title=plan.title,
        description=plan.description,
        settings=plan.settings,
        now=plan.starts_at,
    )
    event_id = event.id or 0
    await add_report(db, event_id, HOST, report_name, report, now=plan.starts_at)
    await open_event(db, event_id, HOST, now=plan.starts_at)
    last_t = script[-1].t if script else 0.0
    ends_at = max(plan.starts_at + timedelta(seconds=last_t), plan.ends_at or plan.starts_at)
    # The script's questions, normalised as the services normalise them, in order.
    asks = [normalise(line.text) for line in script if line.action == "ask"]
    replay = _Replay(db, event_id, plan.starts_at, similar, model, asks)

    started = time.perf_counter()
    # The classifier scores the script's questions in one batch, as it would score one.
    await asyncio.to_thread(score_ahead, asks)
    await replay.run(script, on_line or (lambda _line: None))
    await replay.refresh_themes()
    replay_s = time.perf_counter() - started

    started = time.perf_counter()
    digest = await draft_digest(db, event_id, HOST, model=model, now=ends_at)
    await close_event(db, event_id, HOST, now=ends_at)
    recap = await draft_recap(db, event_id, HOST, model=model, now=ends_at)
    approved = await approve_recap(db, recap.id or 0, HOST, now=ends_at)
    return Rehearsal(
        event_id=event_id,
        starts_at=plan.starts_at,
        ends_at=ends_at,
        lines=len(script),
        refs=replay.refs,
        refused=replay.refused,
        done=replay.done,
        suggested=replay.suggested,
        theme_refreshes=replay.refreshes,
        themes_s=replay.themes_s,
        replay_s=replay_s,
        drafts_s=time.perf_counter() - started,
        digest=digest,
        recap=approved,
        action_s=dict(replay.action_s),
    )


class _Replay:
    """The state a replay carries from line to line: refs to question ids, refusals, the theme clock."""

    def __init__(
        self,
        db: Database,
        event_id: int,
        start: datetime,
        similar: SimilarityIndex,
        model: ModelClient | None,
        asks: Sequence[str],
    ) -> None:
        self.db, self.event_id, self.start, self.similar = db, event_id, start, similar
        self.model = model  # names new themes, if given
        self.questions: dict[str, int] = {}
        self.refs: dict[int, str] = {}
        self.refused: list[Refusal] = []
        self.done: Counter[str] = Counter()
        self.suggested = 0
        self.refreshes = 0
        self.themes_s = 0.0
        self.next_refresh_t = THEME_REFRESH_S
        self.themes_stale = False
        self.action_s: Counter[str] = Counter()
        self.asks = asks  # the script's questions, normalised, in order
        self.asked = 0  # of them, so far

    async def run(self, script: Sequence[Line], on_line: Callable[[Line], None]) -> None:
        """Replay every line in order; a run of consecutive votes between two theme refreshes goes
        through ``cast_ballots`` in one write, as the bot's writer commits votes arriving
        together, with the same outcome line by line as one call each."""
        run: list[Line] = []
        for line in script:
            if run and (line.action not in VOTES or line.t >= self.next_refresh_t or len(run) == VOTE_RUN):
                await self.votes(run)
                for voted in run:
                    on_line(voted)
                run = []
            if line.action in VOTES:
                if not run:
                    await self.tick(line.t)
                run.append(line)
            else:
                await self.line(line)
                on_line(line)
        if run:
            await self.votes(run)
            for voted in run:
                on_line(voted)

    async def tick(self, t: float) -> None:
        """Refresh the themes if a minute of event time has passed since the last refresh."""
        if t >= self.next_refresh_t:
            await self.refresh_themes()
            self.next_refresh_t = (t // THEME_REFRESH_S + 1) * THEME_REFRESH_S

    async def votes(self, run: Sequence[Line]) -> None:
        """Replay a run of vote and unvote lines, each with the outcome it would have alone."""
        ballots, outcomes = [], []
        for line in run:
            try:
                question_id = self.question(line.q)
            except PodiumError as refusal:
                outcomes.append(refusal)
                continue
            value = line.value if line.action == "vote" else 0
            ballots.append(Ballot(question_id, member(line.user), value, self.start + timedelta(seconds=line.t)))
            outcomes.append(None)
        started = time.perf_counter()
        cast = iter(await cast_ballots(self.db, ballots))
        self.action_s["vote"] += time.perf_counter() - started
        for line, unknown in zip(run, outcomes, strict=True):
            outcome = unknown or next(cast)
            if isinstance(outcome, PodiumError):
                self.refused.append(Refusal(line.number, outcome.message))
            else:
                self.done[line.action] += 1

    async def line(self, line: Line) -> None:
        """Replay one line at its time; a refusal is recorded, not raised."""
        await self.tick(line.t)
        started = time.perf_counter()
        try:
            await self.apply(line, self.start + timedelta(seconds=line.t))
        except PodiumError as refusal:
            self.refused.append(Refusal(line.number, refusal.message))
            return
        finally:
            self.action_s[line.action] += time.perf_counter() - started
        self.done[line.action] += 1
        # Votes leave themes as they are; anything else may add, remove or reword a queued question.
        self.themes_stale = self.themes_stale or line.action not in ("vote", "unvote")

    async def refresh_themes(self) -> None:
        if not self.themes_stale:
            return
        started = time.perf_counter()
        await refresh_themes(self.db, self.event_id, model=self.model)
        self.themes_s += time.perf_counter() - started
        self.refreshes += 1
        self.themes_stale = False

    async def apply(self, line: Line, now: datetime) -> None:
        """One action, through the service the bot calls for it."""
        db, question, by = self.db, self.question, moderator(line.moderator)
        match line.action:
            case "ask":
                await self.ask(line, now)
            case "vote":
                await cast_vote(db, question(line.q), member(line.user), line.value, now=now)
            case "unvote":
                await remove_vote(db, question(line.q), member(line.user), now=now)
            case "withdraw":
                await withdraw_question(db, question(line.q), member(line.user))
            case "approve":
                await approve_question(db, question(line.q), by, now=now)
            case "set_aside" | "reject" | "dismiss":
                # Scripts written before the one verb still say reject or dismiss.
                await set_aside_question(db, question(line.q), by, line.reason, note=line.note, now=now)
            case "edit":
                await edit_question(db, question(line.q), by, line.text, now=now)
            case "pin":
                await pin_question(db, question(line.q), by, now=now)
            case "live":
                await mark_live(db, question(line.q), by, now=now)
            case "next":
                await take_next(db, self.event_id, by, now=now)
            case "answer" if line.q is None:
                await answer_live(db, self.event_id, by, now=now)
            case "answer":
                await mark_answered(db, question(line.q), by, now=now)
            case "merge":
                await merge_questions(db, question(line.q), question(line.into), by, now=now)
            case "ban":
                await ban_asker(db, self.event_id, person_id(line.user), by, reason=line.note, now=now)

    def question(self, ref: str | None) -> int:
        """The id of the question the script calls ``ref``; its ask may have been refused."""
        if ref not in self.questions:
            raise NotFound(f"There is no question {ref}: the line that asked it was refused.")
        return self.questions[ref]

    async def ask(self, line: Line, now: datetime) -> None:
        # The next questions are encoded together, ahead of their look-ups, as the classifier
        # scored them all: a text's vector depends on the text alone.
        if self.asked % ASKS_AHEAD == 0:
            await self.similar.probe_ahead(self.db, self.event_id, self.asks[self.asked : self.asked + ASKS_AHEAD])
        self.asked += 1
        # What the bot does when a member types a question: offer what was asked already, then,
        # since the script's member sends theirs anyway, submit it linked to the closest one.
        if await suggest_similar(self.db, self.similar, self.event_id, line.text):
            self.suggested += 1
        question = await submit_question(
            self.db,
            self.event_id,
            member(line.user),
            line.text,
            anonymous=line.anonymous,
            similar=self.similar,
            now=now,
        )
        if line.ref is not None and question.id is not None:
            self.questions[line.ref] = question.id
            self.refs[question.id] = line.ref
