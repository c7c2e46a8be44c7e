"""好差评 on the terminal: the recent handlings kept here and the evaluations sent to central."""
