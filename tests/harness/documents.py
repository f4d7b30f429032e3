"""Report files made on the spot: PDFs (fpdf2, a dev-only dependency), Markdown, text, HTML."""

from fpdf import FPDF
from fpdf.enums import EncryptionMethod


def make_pdf(
    pages: list[str],
    *,
    password: str | None = None,
    owner_password: str | None = None,
    encryption: EncryptionMethod = EncryptionMethod.RC4,
) -> bytes:
    """A PDF with one page per string (paragraphs separated by blank lines), optionally encrypted:
    with a ``password`` to open it, or with an ``owner_password`` only (opens without one)."""
    pdf = FPDF()
    pdf.set_auto_page_break(auto=False)
    pdf.set_font("Helvetica", size=10)
    for text in pages:
        pdf.add_page()
        # The core fonts are Latin-1; anything else is replaced rather than failing the build.
        pdf.multi_cell(0, 5, text.encode("latin-1", "replace").decode("latin-1"))
    if password is not None or owner_password is not None:
        pdf.set_encryption(
            owner_password=owner_password or "owner", user_password=password or "", encryption_method=encryption
        )
    return bytes(pdf.output())


class _ReportPdf(FPDF):
    """A report laid out as agencies print them: a running header and a numbered footer on
    every page, headings set larger than the text, footnotes set small at the page's foot."""

    def header(self) -> None:
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, "Housing Policy Review: Interim Report", new_x="LMARGIN", new_y="NEXT")
        self.ln(6)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, f"Page {self.page_no()}", align="C")


def make_report_pdf(sections: list[tuple[str, str, str]]) -> bytes:
    """A report of one page per (heading, text, footnote): see ``_ReportPdf``."""
    pdf = _ReportPdf()
    pdf.set_auto_page_break(auto=False)
    for heading, text, footnote in sections:
        pdf.add_page()
        pdf.set_font("Helvetica", size=16)
        pdf.multi_cell(0, 9, heading)
        pdf.ln(4)
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, 5, text)
        pdf.set_y(-40)
        pdf.set_font("Helvetica", size=7)
        pdf.multi_cell(0, 4, footnote)
    return bytes(pdf.output())


HOUSING_MD = """# The Housing Report

Cities have built too few homes for a decade. This report sets out what rent caps,
zoning reform and public building can and cannot do. The data is at https://example.org/housing-data.

## 1.1 Rent caps

Rent caps limit how fast rents rise for sitting tenants. Evidence from several cities shows that
caps reduce mobility: tenants stay put to keep a low rent, and landlords convert flats to sales.

## 1.2 Zoning reform

Allowing taller buildings near transit stations is the fastest way to add homes. Zoning reform
takes years to show in rents, but its effect lasts.

# Transit

Bus lanes speed journeys and cost little. The report does not model rail.
"""
