"""Rehearsals: an event replayed offline, from a script of audience and moderator actions, through
the same services the bot calls (``bot.services``), then exported, charted and drafted.

``script`` reads the script and the event's plan, ``replay`` runs them, ``outputs`` writes what a
moderator reads afterwards, and ``console`` shows progress and the summary. No Discord here.
"""
