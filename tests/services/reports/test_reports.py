"""Adding an event's report: reading PDF, Markdown, text and HTML into cited passages, refusing
what cannot be read, and finding the passages a question touches."""

import pytest
from fpdf.enums import EncryptionMethod

from bot.domain.enums import LedgerAction, ReportFormat
from bot.domain.errors import InvalidInput, InvalidTransition, NotAllowed
from bot.services.qa.events import archive_event, close_event
from bot.services.records.ledger import event_ledger
from bot.services.reports.report import REPORT_MAX_BYTES, add_report, get_report, report_passages
from bot.services.reports.retrieval import passages_for
from tests.factories import member
from tests.harness.documents import HOUSING_MD, make_pdf, make_report_pdf

RENT = "Rent caps limit how fast rents rise for sitting tenants, and reduce mobility. " * 6
ZONING = "Zoning reform near transit stations adds homes quickly. Taller buildings are allowed. " * 6


async def citations(db, event):
    return [(p.citation, p.heading) for p in await report_passages(db, event.id)]


async def test_a_pdf_is_read_page_by_page_and_cited_by_page(db, event, moderator):
    data = make_pdf([f"1 Rent caps\n\n{RENT}", f"{ZONING}\n\n{RENT}", "2 Transit\n\nBus lanes cost little."])
    added = await add_report(db, event.id, moderator, "housing.pdf", data)
    assert (added.report.format, added.report.pages, added.replaced) == (ReportFormat.PDF, 3, False)
    assert await citations(db, event) == [("p1", "1 Rent caps"), ("p2", "1 Rent caps"), ("p3", "2 Transit")]


@pytest.mark.parametrize("encryption", [EncryptionMethod.RC4, EncryptionMethod.AES_128, EncryptionMethod.AES_256])
async def test_a_pdf_with_only_an_owner_password_opens_as_it_is(db, event, moderator, encryption):
    # Agencies restrict printing or editing with an owner password; anyone may open the file.
    data = make_pdf([f"1 Rent caps\n\n{RENT}"], owner_password="agency-only", encryption=encryption)
    added = await add_report(db, event.id, moderator, "restricted.pdf", data)
    assert added.passages == 1
    assert (await report_passages(db, event.id))[0].text.startswith("Rent caps limit how fast rents rise")


async def test_running_headers_page_numbers_and_footnotes_are_not_read_as_the_text(db, event, moderator):
    data = make_report_pdf(
        [
            ("Rent caps", RENT, "1 Figures from the 2023 tenants survey."),
            ("Zoning reform", ZONING, "2 See the city plan of 2021."),
            ("Transit", "Bus lanes speed journeys and cost little. " * 4, "3 Operator data."),
        ]
    )
    await add_report(db, event.id, moderator, "review.pdf", data)
    passages = await report_passages(db, event.id)
    assert [(p.citation, p.heading) for p in passages] == [
        ("p1", "Rent caps"),
        ("p2", "Zoning reform"),
        ("p3", "Transit"),
    ]
    text = " ".join(p.text for p in passages)
    assert "Interim Report" not in text
    assert "Page " not in text
    # A footnote is a paragraph of its own, not the end of the page's last sentence.
    assert passages[0].text.split("\n\n") == [RENT.strip(), "1 Figures from the 2023 tenants survey."]


async def test_a_page_without_text_among_others_is_not_a_reason_to_refuse(db, event, moderator):
    # A scanned letter inside a typed report (seen in a GAO report) has no text layer.
    added = await add_report(db, event.id, moderator, "mixed.pdf", make_pdf([RENT, "", ZONING]))
    assert [p.citation for p in await report_passages(db, event.id)] == ["p1", "p3"]
    assert added.report.pages == 3


async def test_long_pages_give_several_passages_each_with_its_own_id(db, event, moderator):
    await add_report(db, event.id, moderator, "long.pdf", make_pdf([" ".join([RENT] * 8)]))
    ids = [c for c, _ in await citations(db, event)]
    assert ids[:3] == ["p1", "p1b", "p1c"]
    assert all(len(p.text.split()) <= 300 for p in await report_passages(db, event.id))


async def test_markdown_is_cited_by_section(db, event, moderator):
    added = await add_report(db, event.id, moderator, "housing.md", HOUSING_MD.encode())
    assert (added.passages, added.first_citation, added.last_citation) == (4, "§1", "§2")
    assert await citations(db, event) == [
        ("§1", "The Housing Report"),
        ("§1.1", "1.1 Rent caps"),
        ("§1.2", "1.2 Zoning reform"),
        ("§2", "Transit"),
    ]


async def test_markdown_emphasis_is_read_as_words(db, event, moderator):
    text = "# Housing\n\n_A report by the *Housing* Institute._ See **section 2** on rent_cap_data; 5 * 3 = 15.\n"
    await add_report(db, event.id, moderator, "housing.md", text.encode())
    [passage] = await report_passages(db, event.id)
    assert passage.text == "A report by the Housing Institute. See section 2 on rent_cap_data; 5 * 3 = 15."


async def test_html_headings_and_paragraphs_are_read_without_scripts(db, event, moderator):
    page = (
        "<html><head><title>x</title><script>alert('x')</script></head><body>"
        "<h1>Housing</h1><p>Rent caps reduce <b>mobility</b>, see <a href='https://example.org/d'>data</a>.</p>"
        "<h2>Supply</h2><ul><li>Build near transit.</li><li>Reform zoning.</li></ul></body></html>"
    )
    await add_report(db, event.id, moderator, "housing.html", page.encode())
    passages = await report_passages(db, event.id)
    assert [(p.citation, p.heading) for p in passages] == [("§1", "Housing"), ("§1.1", "Supply")]
    assert passages[0].text == "Rent caps reduce mobility, see (https://example.org/d) data."
    assert "alert" not in " ".join(p.text for p in passages)


async def test_plain_text_without_headings_numbers_its_passages(db, event, moderator):
    text = "\n\n".join([RENT, RENT, RENT, ZONING, ZONING, ZONING])
    await add_report(db, event.id, moderator, "notes.txt", text.encode())
    assert [c for c, _ in await citations(db, event)] == ["§1", "§2"]


async def test_a_new_report_replaces_the_old_one_and_the_ledger_says_so(db, event, moderator):
    await add_report(db, event.id, moderator, "old.md", b"# Old\n\nOld text about rents.")
    added = await add_report(db, event.id, moderator, "new.md", HOUSING_MD.encode())
    assert added.replaced
    assert (await get_report(db, event.id)).filename == "new.md"
    assert len(await report_passages(db, event.id)) == 4
    entries = [e for e in await event_ledger(db, event.id) if e.action is LedgerAction.REPORT_ADD]
    assert [e.note.split(" (")[0] for e in entries] == ["old.md", "new.md"]


async def test_passages_for_ranks_the_passages_a_question_touches(db, event, moderator):
    await add_report(db, event.id, moderator, "housing.md", HOUSING_MD.encode())
    hits = await passages_for(db, event.id, "Do rent caps reduce mobility?", k=2)
    assert hits[0].citation == "§1.1"
    assert hits[0].score > hits[1].score > 0
    assert hits[0].matched == ("rent", "cap", "reduce", "mobility")
    assert await passages_for(db, event.id, "Quantum chromodynamics", k=3) == []


async def test_a_report_without_a_word_to_index_matches_nothing(db, event, moderator):
    # Found by tests/security/test_fuzz.py: a report of only markup ("```") left BM25 dividing by
    # an average passage length of zero.
    await add_report(db, event.id, moderator, "marks.txt", "``` ** >>> 😀".encode())
    assert await passages_for(db, event.id, "Do rent caps reduce mobility?") == []


async def test_without_a_report_there_are_no_passages(db, event):
    assert await passages_for(db, event.id, "rent caps") == []
    assert await get_report(db, event.id) is None


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("empty.pdf", b"", "is empty"),
        ("scan.pdf", make_pdf([""]), "no text Podium can read"),
        ("blank.md", b"\n\n   \n", "no text Podium can read"),
        ("fake.pdf", b"Just some text pretending", "named like a PDF but is not one"),
        ("real.txt", make_pdf(["Rent caps."]), "is a PDF; name it .pdf"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a text file"),
        ("latin1.md", "Café".encode("latin-1"), "not UTF-8 text"),
        ("page.html", b"No tags at all in this one.", "has no HTML in it"),
        ("report.docx", b"PK\x03\x04", r"PDF, Markdown \(\.md\), plain text"),
        ("locked.pdf", make_pdf(["Secret rent data."], password="s3cret"), "needs a password to open"),
        ("broken.pdf", b"%PDF-1.7\nthis is not really a pdf", "could not be read as a PDF"),
    ],
)
async def test_files_that_cannot_be_read_are_refused_with_a_reason(db, event, moderator, filename, data, message):
    with pytest.raises(InvalidInput, match=message):
        await add_report(db, event.id, moderator, filename, data)
    assert await get_report(db, event.id) is None


async def test_a_file_over_the_size_limit_is_refused_before_it_is_read(db, event, moderator):
    with pytest.raises(InvalidInput, match="reports can be at most 20 MB"):
        await add_report(db, event.id, moderator, "huge.txt", b"a" * (REPORT_MAX_BYTES + 1))


async def test_only_moderators_add_reports(db, event):
    with pytest.raises(NotAllowed):
        await add_report(db, event.id, member(2), "housing.md", HOUSING_MD.encode())
    assert LedgerAction.REPORT_ADD not in [e.action for e in await event_ledger(db, event.id)]
    assert await get_report(db, event.id) is None


async def test_an_archived_events_report_no_longer_changes(db, event, moderator):
    await close_event(db, event.id, moderator)
    await archive_event(db, event.id, moderator)
    with pytest.raises(InvalidTransition, match="archived"):
        await add_report(db, event.id, moderator, "housing.md", HOUSING_MD.encode())
