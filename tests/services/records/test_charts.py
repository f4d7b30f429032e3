"""Charts: an event's timeline and themes as PNG images, drawn without a display."""

from bot.services.qa.moderation import mark_answered
from bot.services.qa.votes import cast_vote
from bot.services.records.charts import per_minute, themes_chart, timeline_chart
from tests.factories import ask_questions, member

PNG = b"\x89PNG\r\n\x1a\n"


def test_events_are_counted_by_the_minute_they_happen_in():
    assert per_minute([0, 59.9, 60, 61, 185], 4).tolist() == [2, 2, 0, 1]


async def test_the_timeline_and_themes_charts_are_png_images(db, event, moderator):
    questions = await ask_questions(db, event, ["Do rent caps reduce mobility?", "Do rent caps reduce rents?"])
    await cast_vote(db, questions[0].id, member(30))
    await mark_answered(db, questions[0].id, moderator)
    assert (await timeline_chart(db, event.id)).startswith(PNG)
    assert (await themes_chart(db, event.id)).startswith(PNG)
