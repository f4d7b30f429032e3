"""Charts: an event's timeline and themes as PNG images, drawn without a display."""

from matplotlib.backends.backend_agg import FigureCanvasAgg
from sqlmodel import Session, col, update

from bot.services.qa.moderation import mark_answered
from bot.services.qa.votes import cast_vote
from bot.services.records.charts import (
    THEMES_SHOWN,
    ThemeCount,
    ThemeCounts,
    Timeline,
    per_minute,
    theme_counts,
    themes_chart,
    themes_figure,
    timeline_chart,
    timeline_figure,
)
from db.models import Question
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


async def themed(db, event, themes: list[str | None]):
    """One question per entry, in that theme (None: in none)."""
    questions = await ask_questions(db, event, [f"Question number {n} about housing?" for n in range(len(themes))])

    def assign(session: Session) -> None:
        for question, theme in zip(questions, themes, strict=True):
            session.exec(update(Question).where(col(Question.id) == question.id).values(theme=theme))

    await db.write(assign)
    return questions


async def test_every_question_on_the_board_is_counted_and_those_in_no_theme_get_no_bar(db, event):
    await themed(db, event, ["Rent", None, "Transit", "Rent", None, "Rent"])
    assert await theme_counts(db, event.id) == ThemeCounts([ThemeCount("Rent", 3, 0), ThemeCount("Transit", 1, 0)], 2)


async def test_themes_too_small_to_draw_are_counted_with_the_questions_in_none(db, event):
    names = [f"Theme {n:02d}" for n in range(THEMES_SHOWN + 2)]
    await themed(db, event, [*names, names[0], None])
    counts = await theme_counts(db, event.id)
    assert len(counts.themes) == THEMES_SHOWN
    assert counts.themes[0] == ThemeCount("Theme 00", 2, 0)
    assert counts.not_drawn == 3, "two themes not drawn, and one question in none"
    assert sum(c.questions for c in counts.themes) + counts.not_drawn == len(names) + 2


def test_the_themes_chart_shows_whole_names_wrapped_and_whole_numbers():
    long = "Whether the land value levy can fund the council's housing programme for a decade"
    figure = themes_figure("Launch", ThemeCounts([ThemeCount(long, 3, 5), ThemeCount("Rent", 2, 1)], 4))
    FigureCanvasAgg(figure).draw()
    [axes] = figure.axes
    labels = [label.get_text() for label in axes.get_yticklabels()]
    assert [" ".join(label.split()) for label in labels] == [long, "Rent"], "no bar for the questions in none"
    assert axes.get_title() == "9 questions in all, 4 of them in no theme shown"
    assert axes.get_yticks().tolist() == [1, 0], "the largest theme on top"
    assert max(len(line) for label in labels for line in label.splitlines()) <= 32
    assert all(tick == int(tick) for tick in axes.get_xticks())


def test_the_timeline_marks_each_answer_with_its_question_and_counts_in_whole_numbers():
    timeline = Timeline("Launch", asked=[0.0, 30.0, 200.0], voted=[10.0, 70.0], answered=[(45.0, 12), (190.0, 7)])
    figure = timeline_figure(timeline)
    FigureCanvasAgg(figure).draw()
    votes_axes, questions_axes = figure.axes
    assert [text.get_text() for text in votes_axes.texts] == ["#12", "#7"]
    for axes in (votes_axes, questions_axes):
        assert all(tick == int(tick) for tick in axes.get_yticks())
        assert all(tick == int(tick) for tick in axes.get_xticks())
