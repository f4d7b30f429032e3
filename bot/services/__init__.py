"""What Podium does, without Discord: plain async functions over a ``db.engine.Database``.

Cogs, the CLI rehearsal, the scheduler and the presenter view all call these; none of them
re-implements a rule that lives here.
"""
