"""Similar questions, merges and themes."""
