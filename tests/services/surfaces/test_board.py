"""The board's calm order, as rules: nothing moves under a click; the true order comes once it is quiet."""

from bot.services.surfaces.board import (
    LONGEST_CALM_S,
    QUIET_S,
    RESORT_INTERVAL_S,
    calm_order,
    next_resort_at,
    resort_due,
)


def test_the_questions_shown_stay_where_they_are_and_free_places_fill_from_the_top():
    assert calm_order([3, 1, 2], [1, 2, 4, 3], {1, 2, 3, 4}, size=4) == [3, 1, 2, 4]
    # A question that left the queue (answered, dismissed) leaves at once.
    assert calm_order([3, 1, 2], [1, 4, 2], {1, 2, 4}, size=3) == [1, 2, 4]


def test_a_resort_waits_for_the_interval_and_for_the_clicking_to_calm_down():
    sorted_at = 100.0
    assert not resort_due(sorted_at + RESORT_INTERVAL_S / 2, sorted_at, float("-inf"))
    assert resort_due(sorted_at + RESORT_INTERVAL_S, sorted_at, float("-inf"))
    clicked = sorted_at + RESORT_INTERVAL_S
    assert not resort_due(clicked + QUIET_S / 2, sorted_at, clicked)
    assert resort_due(clicked + QUIET_S, sorted_at, clicked)
    assert next_resort_at(sorted_at, clicked) == clicked + QUIET_S


def test_clicking_that_never_stops_still_gets_the_true_order_now_and_then():
    sorted_at = 100.0
    assert resort_due(sorted_at + LONGEST_CALM_S, sorted_at, sorted_at + LONGEST_CALM_S)
    assert next_resort_at(sorted_at, sorted_at + LONGEST_CALM_S) == sorted_at + LONGEST_CALM_S
