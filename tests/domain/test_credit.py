"""The anonymity rule, in the one place every public medium takes it from."""

from bot.domain.credit import Asker, credit, credit_for


def asker(user_id: int, name: str, *, anonymous: bool = False) -> Asker:
    return Asker(user_id=user_id, display_name=name, anonymous=anonymous, question_id=user_id)


def test_a_member_who_asked_under_their_name_is_named():
    assert credit_for("Sam", anonymous=False).line == "Asked by Sam"


def test_an_anonymous_asker_is_never_named():
    shown = credit_for("Sam", anonymous=True)
    assert (shown.name, shown.line) == (None, "Asked anonymously")


def test_a_question_several_people_asked_names_none_of_them():
    shown = credit([asker(1, "Sam"), asker(2, "Ana")])
    assert (shown.askers, shown.name, shown.line) == (2, None, "Asked by 2 people")


def test_one_person_under_two_faces_counts_twice_so_the_name_never_unmasks_the_anonymous_question():
    shown = credit([asker(1, "Sam"), asker(1, "Sam", anonymous=True)])
    assert (shown.askers, shown.name) == (2, None)
