"""The Q&A itself: events, questions, votes, moderation, ranking, the ledger, the presenter's link."""
