"""The Discord side of Podium that every cog shares: rendering, safe sending, errors, who is acting."""
