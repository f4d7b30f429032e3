"""Every line of a draft cites ids from its input, and carries no mention and no foreign link."""

import pytest

from bot.llm.outputs import DigestOutput, ThemeLines
from bot.llm.validate import Sources, check_lines, check_output, cited_ids

SOURCES = Sources(ids=frozenset({"Q1", "Q2", "p3", "§2.1", "p4b"}), urls=frozenset({"https://example.org/report"}))


def check(line):
    kept, dropped = check_lines([line], SOURCES, "overview")
    return (kept[0] if kept else None), [d.reason for d in dropped]


def test_a_line_citing_its_input_stands():
    assert check("Renters worry about caps [Q1][p3].") == ("Renters worry about caps [Q1][p3].", [])


def test_citation_groups_are_read_and_written_one_id_per_bracket():
    assert cited_ids("As asked [Q1, Q2; §2.1] and [p4b].") == ["Q1", "Q2", "§2.1", "p4b"]
    assert check("As asked [Q1, §2.1].") == ("As asked [Q1][§2.1].", [])


def test_an_invented_citation_is_removed_and_recorded():
    assert check("Caps work [Q1][Q99][p77].") == (
        "Caps work [Q1].",
        ["removed citations of Q99, p77, not in its input"],
    )


def test_a_line_citing_only_invented_ids_is_dropped():
    assert check("The minister resigned [Q99].") == (None, ["cites Q99, not in its input"])


def test_a_line_without_a_citation_is_dropped():
    assert check("The minister resigned.") == (None, ["cites nothing"])


@pytest.mark.parametrize("mention", ["@everyone", "@here", "<@123456789012345678>", "<@!12>", "<@&55>", "<#77>"])
def test_a_line_with_a_mention_is_dropped_whole(mention):
    assert check(f"Look {mention} at this [Q1].") == (None, ["mentions someone"])


@pytest.mark.parametrize("link", ["https://evil.example/x", "http://a.b", "www.evil.example", "discord.gg/raid"])
def test_a_line_with_a_link_not_in_the_report_is_dropped_whole(link):
    kept, reasons = check(f"Details at {link} [Q1].")
    assert kept is None
    assert "not in the report" in reasons[0]


def test_the_reports_own_links_may_be_repeated():
    assert (
        check("The data is at https://example.org/report. [p3]")[0] == "The data is at https://example.org/report. [p3]"
    )


def test_datamarks_and_spacing_are_undone():
    assert check("Renters\u02c6worry   about\ncaps [Q1]")[0] == "Renters worry about caps [Q1]"


def test_every_list_of_lines_in_an_output_is_checked_with_its_section():
    output = DigestOutput(
        overview=["Fine [Q1].", "Bad @here [Q1]."],
        themes=[ThemeLines(theme="Rent caps", lines=["Invented [Q42].", "Fine too [Q2][p3]."])],
    )
    checked, dropped = check_output(output, SOURCES)
    assert checked.overview == ["Fine [Q1]."]
    assert checked.themes == [ThemeLines(theme="Rent caps", lines=["Fine too [Q2][p3]."])]
    assert [(d.section, d.reason) for d in dropped] == [
        ("overview", "mentions someone"),
        ("Rent caps", "cites Q42, not in its input"),
    ]


CLAIM_SOURCES = Sources(
    ids=frozenset({"Q1", "p3"}),
    texts={
        "Q1": "Did Berlin's rent cap of 2020 really cut rents by 11%?",
        "p3": "Rent caps The report finds that caps slowed rent rises in Berlin after March 2020.",
    },
    figures=frozenset({"55", "Rent caps"}),
)


@pytest.mark.parametrize(
    ("line", "unsupported"),
    [
        ("Rents fell 23% under the cap [Q1].", "23%"),
        ("Tenants in Hamburg asked about caps [Q1].", "Hamburg"),
        ("The cap began in 2019 [p3].", "2019"),
        ("The panel was asked whether caps “ended the housing crisis” [Q1].", "ended the housing crisis"),
        ("Asked by Maria Lopez, the question drew a crowd [Q1].", "Maria, Lopez"),
    ],
)
def test_a_claim_its_cited_sources_do_not_hold_is_held_back_with_what_is_unsupported(line, unsupported):
    kept, dropped = check_lines([line], CLAIM_SOURCES, "overview")
    assert kept == []
    assert [d.reason for d in dropped] == [f"unsupported: {unsupported} (in none of the sources it cites)"]


@pytest.mark.parametrize(
    "line",
    [
        "The audience asked 55 questions about Rent caps [Q1].",  # figures the code computed
        "Berlin's cap of 2020 was said to cut rents by 11% [Q1].",  # a number and a name from the question
        "The report says caps “slowed rent rises in Berlin” after March 2020 [p3].",  # a quotation and a date
    ],
)
def test_a_claim_held_by_the_sources_it_cites_or_the_codes_figures_stands(line):
    assert check_lines([line], CLAIM_SOURCES, "overview") == ([line], [])


def test_a_claim_must_be_in_the_sources_the_line_cites_not_just_any_source():
    # 11% is in Q1, but this line cites only p3: real ids for cover do not make a claim supported.
    kept, dropped = check_lines(["Caps cut rents by 11% [p3]."], CLAIM_SOURCES, "overview")
    assert kept == []
    assert dropped[0].reason.startswith("unsupported: 11%")
