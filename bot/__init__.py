"""Podium: the audience Q&A of live events, run in Discord."""
