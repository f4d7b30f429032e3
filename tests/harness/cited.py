"""What a stored draft cites, read from its structured document rather than from its text."""

from bot.domain.documents import Citation, Document
from bot.services.drafts.draft_text import where


def citations(draft) -> list[Citation]:
    """Every citation in the draft's document, in order."""
    document = Document.from_dict(draft.document)
    return [citation for block in document.blocks for line in block.lines for citation in line.citations]


def unresolved(draft) -> list[Citation]:
    """The citations of questions or passages that were not in the draft's input (the questions
    flagged as instructions count as input: the list shown to moderators cites them)."""
    flagged = {f"Q{q['id']}" for q in draft.inputs["facts"].get("flagged", [])}
    ids = set(draft.inputs["sources"]["ids"]) | flagged
    places = {where(ident) for ident in ids if not ident.startswith("Q")}

    def known(c: Citation) -> bool:
        return f"Q{c.question}" in ids if c.question is not None else c.where in places

    return [c for c in citations(draft) if not known(c)]


def resolves(draft) -> bool:
    """The draft has a document, and every question and passage it cites was in its input."""
    return bool(draft.document) and not unresolved(draft)
