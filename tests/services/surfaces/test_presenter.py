"""The presenter screen's services: private links per event, and what the screen shows."""

import pytest

from bot.domain.enums import LedgerAction
from bot.domain.errors import NotAllowed, NotFound
from bot.services.qa import moderation
from bot.services.qa.questions import submit_question
from bot.services.qa.votes import cast_vote
from bot.services.records.ledger import event_ledger
from bot.services.sense.merges import merge_questions
from bot.services.surfaces.presenter import (
    presented_event,
    presenter_screen,
    presenter_token,
    rotate_presenter_token,
)
from tests.factories import member


async def test_a_moderator_gets_one_link_per_event_and_the_ledger_says_who(db, event, moderator):
    token = await presenter_token(db, event.id, moderator)
    assert len(token) == 43
    assert await presenter_token(db, event.id, moderator) == token
    assert (await presented_event(db, token)).id == event.id
    [issued] = [e for e in await event_ledger(db, event.id) if e.action is LedgerAction.PRESENTER_LINK]
    assert (issued.actor_id, issued.note) == (moderator.user_id, "link issued")


async def test_members_cannot_get_or_rotate_the_link(db, event):
    with pytest.raises(NotAllowed):
        await presenter_token(db, event.id, member(1))
    with pytest.raises(NotAllowed):
        await rotate_presenter_token(db, event.id, member(1))


async def test_rotating_replaces_the_token_and_the_old_one_finds_nothing(db, event, moderator):
    old = await presenter_token(db, event.id, moderator)
    new = await rotate_presenter_token(db, event.id, moderator)
    assert new != old
    assert (await presented_event(db, new)).id == event.id
    with pytest.raises(NotFound):
        await presented_event(db, old)
    assert [e.action for e in await event_ledger(db, event.id)][-1] is LedgerAction.PRESENTER_LINK


@pytest.mark.parametrize("token", ["", "x", "A" * 43, "A" * 42 + "/", "' OR 1=1 --" + "A" * 32])
async def test_anything_but_a_current_token_is_not_found(db, event, moderator, token):
    await presenter_token(db, event.id, moderator)
    with pytest.raises(NotFound):
        await presented_event(db, token)


async def test_the_screen_shows_the_live_question_and_the_top_ones_waiting(db, event, moderator):
    token = await presenter_token(db, event.id, moderator)
    first, second, third = [
        await submit_question(db, event.id, member(n), text)
        for n, text in [(1, "Who will pay?"), (2, "When does it start?"), (3, "Does it cover students?")]
    ]
    await cast_vote(db, third.id, member(9))
    await moderation.pin_question(db, second.id, moderator)
    screen = await presenter_screen(db, token)
    assert (screen.title, screen.live) == (event.title, None)
    assert [q.id for q in screen.upcoming] == [second.id, third.id, first.id]
    assert [q.votes for q in screen.upcoming] == [0, 1, 0]
    assert screen.upcoming[0].pinned

    await moderation.mark_live(db, third.id, moderator)
    screen = await presenter_screen(db, token)
    assert (screen.live.id, screen.live.text, screen.live.credit.line) == (third.id, third.text, "Asked by Member 3")
    assert [q.id for q in screen.upcoming] == [second.id, first.id]


async def test_anonymous_askers_are_never_named_and_merges_count_everyone(db, event, moderator):
    token = await presenter_token(db, event.id, moderator)
    anonymous = await submit_question(db, event.id, member(1), "Is the cap permanent?", anonymous=True)
    named = await submit_question(db, event.id, member(2), "Will the cap stay for good?")
    again = await submit_question(db, event.id, member(3), "Is the rent cap forever?", anonymous=True)
    [shown] = [q for q in (await presenter_screen(db, token)).upcoming if q.id == anonymous.id]
    assert shown.credit.line == "Asked anonymously"

    await merge_questions(db, named.id, anonymous.id, moderator)
    await merge_questions(db, again.id, anonymous.id, moderator)
    [shown] = (await presenter_screen(db, token)).upcoming
    assert shown.credit.line == "Asked by 3 people"
