"""The domain's vocabulary: enumerations, refusals, who acts, the clock. Imports nothing of Podium's."""
