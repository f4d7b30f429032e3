"""Podium's storage: tables, engine and migrations."""
