"""Briefs, digests and recaps: their facts, the writers, the text."""
