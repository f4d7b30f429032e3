"""The Q&A itself: events and where they run, questions, votes, moderation, ranking."""
