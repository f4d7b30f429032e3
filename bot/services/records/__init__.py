"""What Podium keeps and hands over: the moderation ledger, exports and charts."""
