"""One function per user action, end to end: the services decide and store, then the outward
effects go through one port (``bot.flows.port.Publisher``). Cogs, the clock and any console call
these; none of them posts what a flow posts."""
