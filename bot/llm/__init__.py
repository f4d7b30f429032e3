"""The language model's side of drafts: the OpenAI-compatible client, token counting, prompt
rendering, spotlighting of untrusted text, and the validation of what the model writes.

Nothing here imports discord or touches the database; ``bot.services.drafts.drafting`` ties it together.
"""
