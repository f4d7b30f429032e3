"""What leaves Podium as files: exports and charts."""
