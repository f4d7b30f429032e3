"""Datetimes are timezone-aware UTC on every backend, and naive ones are refused."""

from datetime import UTC, datetime

import pytest

from bot.services.qa.events import create_event, get_event
from tests.factories import GUILD_ID, host


async def test_a_naive_datetime_is_refused(db):
    naive = datetime(2026, 5, 1, 18, 0)
    with pytest.raises(Exception, match="naive datetime"):
        await create_event(db, GUILD_ID, host(), title="Town hall", now=naive)


async def test_discord_ids_keep_all_64_bits(db):
    moderator = host()
    at = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
    event = await create_event(db, GUILD_ID, moderator, title="Town hall", channel_id=2**63 - 1, now=at)
    stored = await get_event(db, event.id)
    assert (stored.guild_id, stored.channel_id, stored.created_by) == (GUILD_ID, 2**63 - 1, moderator.user_id)
    assert stored.created_at == at
