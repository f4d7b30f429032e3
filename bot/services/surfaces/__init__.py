"""What each surface shows: the board and Browse, cards, the askers' notices, the presenter
screen, the moderators' desk and their web console."""
