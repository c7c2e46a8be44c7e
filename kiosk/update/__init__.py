"""Signed, staged software updates on the terminal (docs/fleet.md §4).

tuf_client fetches and verifies releases (python-tuf), bundle reads and builds the
release bundle, install puts a version side by side and switches the ``current`` symlink,
trial keeps the trial / commit / rollback state and counts crash-loop starts, service ties
them to the heartbeat (``Terminal.fleet.updates``).
"""
