"""One renderer per medium, from ``bot.domain.documents``: Markdown files and Discord messages."""
