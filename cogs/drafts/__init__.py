"""Report-grounded drafts for moderators: the report, briefs, digests, and the recap to approve."""

from cogs.drafts.cog import setup

__all__ = ["setup"]
