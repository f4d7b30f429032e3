"""The function APScheduler keeps and calls for every job of an event.

A job is stored in the database as a reference to an importable function with its arguments,
pickled; a lambda, a bound method or a Discord object could not be restored after a restart
(APScheduler deletes the jobs it cannot restore). So this takes plain values only, and the
running clock of the job's shard in this process supplies the rest.
"""

import logging

from bot.scheduling.clock import clock_for
from bot.scheduling.plan import JobKind

log = logging.getLogger(__name__)


async def fire(kind: str, shard: int, event_id: int) -> str:
    """Run one fire of event ``event_id``'s ``kind`` job, planned on ``shard``."""
    clock = clock_for(shard)
    if clock is None:
        # Only a process serving the shard loads its job store, so this is a stray call.
        log.warning("no clock runs shard %s here; %s of event %s skipped", shard, kind, event_id)
        return "skipped: no clock for its shard"
    return await clock.fire(JobKind(kind), event_id)
