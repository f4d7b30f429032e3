"""Calls to the language model on an event's account: its token budget, its usage, the cache.

No database transaction is open while the model thinks: the budget is read, the call is made,
then usage (and, for an answer of the right shape, the cache entry) is written. Two drafts of
one event running at once can therefore overshoot the budget by at most one call each.
"""

import hashlib
import json
from dataclasses import asdict, dataclass

from sqlmodel import Session

from bot.domain.clock import utcnow
from bot.llm.client import Completion, ModelClient, ModelUnavailable
from bot.llm.outputs import MalformedOutput, OutputT, parse_output
from bot.llm.tokens import count_message_tokens
from db.engine import Database
from db.models import LlmCacheEntry, LlmUsage
from db.upsert import increment, upsert


class BudgetSpent(ModelUnavailable):
    """The event has used its language-model token budget."""


@dataclass(slots=True)
class CallUsage:
    """What one draft cost: calls made, answers served from the cache, tokens, and the largest
    prompt it sent (counted by Podium, to show it fit the context window)."""

    calls: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    largest_prompt_tokens: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def cache_key(model: ModelClient, messages: list[dict[str, str]]) -> str:
    payload = json.dumps([model.model, model.max_output_tokens, messages], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


async def ask(
    db: Database,
    model: ModelClient,
    event_id: int,
    messages: list[dict[str, str]],
    shape: type[OutputT],
    usage: CallUsage,
    *,
    fresh: bool = False,
) -> OutputT:
    """The model's answer to ``messages`` as ``shape``, from the cache unless ``fresh``.

    Raises ``ModelUnavailable`` (``BudgetSpent`` included) or ``MalformedOutput``.
    """
    prompt_tokens = count_message_tokens(messages, model.model)
    if prompt_tokens > model.prompt_token_limit:
        raise ModelUnavailable("the prompt does not fit the language model's context window")
    usage.largest_prompt_tokens = max(usage.largest_prompt_tokens, prompt_tokens)
    key = cache_key(model, messages)
    if not fresh:
        cached = await db.read(lambda session: session.get(LlmCacheEntry, key))
        if cached is not None:
            usage.cached += 1
            return parse_output(cached.content, shape)
    spent = await db.read(_tokens_spent, event_id)
    if spent + prompt_tokens + model.max_output_tokens > model.event_token_budget:
        raise BudgetSpent("this event has spent its language-model token budget")
    completion = await model.complete(messages)
    usage.calls += 1
    usage.prompt_tokens += completion.prompt_tokens
    usage.completion_tokens += completion.completion_tokens
    try:
        output = parse_output(completion.content, shape)
    except MalformedOutput:
        await db.write(_record, event_id, completion, None, model.model)
        raise
    await db.write(_record, event_id, completion, key, model.model)
    return output


async def event_usage(db: Database, event_id: int) -> LlmUsage:
    """The event's language-model usage so far (zero if it has made no call)."""
    return await db.read(lambda session: session.get(LlmUsage, event_id) or LlmUsage(event_id=event_id))


def _tokens_spent(session: Session, event_id: int) -> int:
    usage = session.get(LlmUsage, event_id)
    return usage.prompt_tokens + usage.completion_tokens if usage else 0


def _record(session: Session, event_id: int, completion: Completion, key: str | None, model: str) -> None:
    counts = {"calls": 1, "prompt_tokens": completion.prompt_tokens, "completion_tokens": completion.completion_tokens}
    upsert(
        session, LlmUsage, [{"event_id": event_id, **counts}], keys=["event_id"], update=increment(LlmUsage, *counts)
    )
    if key is not None:
        entry = {
            "key": key,
            "model": model,
            "content": completion.content,
            "prompt_tokens": completion.prompt_tokens,
            "completion_tokens": completion.completion_tokens,
            "created_at": utcnow(),
        }
        upsert(session, LlmCacheEntry, [entry], keys=["key"], update=lambda excluded: {"content": excluded.content})
