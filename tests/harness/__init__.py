"""Test doubles that speak real protocols.

- The Discord harness drives the real discord.py with Discord's own payloads: interactions go in
  as raw INTERACTION_CREATE payloads, through discord.py's own parsing and dispatch (the command
  tree, views, dynamic items, modals); what the bot sends goes out over real HTTP to
  ``FakeDiscord``, a local server that answers like Discord's REST API and records every request.
- An OpenAI-compatible HTTP server run on 127.0.0.1, scripted per test.
"""
