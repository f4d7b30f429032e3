"""The event's clock: reminders, opening and closing, digests and recaps, run at their times.

``plan`` (the rules), ``actions`` (what each job does, through the services), ``claims`` (one
fire, one run), ``clock`` (APScheduler and its job stores), ``jobs`` (what APScheduler calls),
``publisher`` (the little the jobs need from Discord). Nothing here imports discord.
"""
