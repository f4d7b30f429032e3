"""The trending key: a question's decayed vote score as one stored integer that orders the same at
every moment, so the trending order is read from an index instead of summed at query time.

The decayed score of a question at the moment ``now`` is::

    trend(q, now) = sum(vote.value * 0.5 ** ((now - vote.cast_at) / half_life) for vote in votes(q))

Rewritten against a fixed moment of the event, its *epoch* ``E``::

    trend(q, now) = 2 ** (-(now - E) / half_life) * sum(vote.value * 2 ** ((vote.cast_at - E) / half_life))

The first factor is the same for every question of the event, so the sum alone orders the
questions as ``trend`` does, at any ``now``: that sum is the key. Each vote's term is stored as an
integer, ``floor(2 ** (KEY_BITS + (cast_at - E) / half_life))``, and the key is their exact integer
sum: a vote taken back subtracts exactly what it added and a merge adds exactly its copies' terms,
so the key is always the sum over the question's current votes, whatever the history (a float sum
would not be: ``(a + b) - a`` need not equal ``b``, and the residue would break ties).

A term doubles every half-life, so the event is *rebased* from time to time: the epoch moves to its
latest vote and every key of the event is summed again from its votes
(``bot.services.qa.trending.rebase``). A vote more than ``REBASE_AFTER`` half-lives after the
epoch asks for one once it has committed; a vote that would pass ``MAX_EXPONENT`` (an event idle for
that long, or its first vote: no epoch yet) waits for one first. With terms below ``2 ** 43``, a
question keeps under 2 ** 63 (a BIGINT) with up to 2 ** 20 voters. The resolution is
``2 ** -KEY_BITS`` of a vote cast at the epoch: two questions whose decayed scores differ by less
than that (about two billionths of a fresh vote) may tie, and ties go to net votes, as they always
have.
"""

import math
from datetime import datetime

# A vote cast at the epoch weighs 2 ** KEY_BITS.
KEY_BITS = 29
# Half-lives after the epoch from which a vote asks for a rebase once it has committed.
REBASE_AFTER = 10
# Terms stay below 2 ** MAX_EXPONENT: a vote that would pass it waits for a rebase first.
MAX_EXPONENT = KEY_BITS + 14


def exponent(cast_at: datetime, epoch: datetime, half_life_s: int) -> float:
    """How many powers of two a vote cast at ``cast_at`` weighs, against the epoch."""
    return KEY_BITS + (cast_at - epoch).total_seconds() / half_life_s


def vote_term(cast_at: datetime, epoch: datetime, half_life_s: int) -> int:
    """What one +1 vote cast at ``cast_at`` adds to its question's key (a -1 vote takes it away)."""
    power = exponent(cast_at, epoch, half_life_s)
    if power > MAX_EXPONENT:
        raise OverflowError(f"a vote {power - KEY_BITS:.1f} half-lives after the epoch needs a rebase first")
    return math.floor(2.0**power)


def rebase_due(cast_at: datetime, epoch: datetime | None, half_life_s: int) -> bool:
    """Whether a vote cast at ``cast_at`` should be followed by a rebase of its event."""
    return epoch is None or exponent(cast_at, epoch, half_life_s) > KEY_BITS + REBASE_AFTER


def needs_rebase(cast_at: datetime, epoch: datetime | None, half_life_s: int) -> bool:
    """Whether a vote cast at ``cast_at`` cannot be weighed before its event is rebased (or, for the
    event's first vote, given an epoch)."""
    return epoch is None or exponent(cast_at, epoch, half_life_s) > MAX_EXPONENT
