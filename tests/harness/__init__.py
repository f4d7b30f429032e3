"""A harness that drives the real discord.py with Discord's own payloads.

Interactions go in as raw INTERACTION_CREATE payloads, through discord.py's own parsing and
dispatch (the command tree, views, dynamic items, modals); what the bot sends goes out over
real HTTP to ``FakeDiscord``, a local server that answers like Discord's REST API and records
every request, so tests assert on the JSON that would have reached Discord.
"""
