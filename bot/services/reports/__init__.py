"""The event's report: reading files, passages, retrieval, triage against it."""
