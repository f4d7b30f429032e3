"""Report files made on the spot: PDFs (fpdf2, a dev-only dependency), Markdown, text, HTML."""

from fpdf import FPDF


def make_pdf(pages: list[str], *, password: str | None = None) -> bytes:
    """A PDF with one page per string (paragraphs separated by blank lines), optionally encrypted."""
    pdf = FPDF()
    pdf.set_auto_page_break(auto=False)
    pdf.set_font("Helvetica", size=10)
    for text in pages:
        pdf.add_page()
        # The core fonts are Latin-1; anything else is replaced rather than failing the build.
        pdf.multi_cell(0, 5, text.encode("latin-1", "replace").decode("latin-1"))
    if password is not None:
        pdf.set_encryption(owner_password="owner", user_password=password)
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
