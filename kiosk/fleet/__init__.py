"""The terminal's side of running a fleet (docs/fleet.md): health reports and heartbeats,
remote commands, maintenance mode, restarts asked for by the terminal itself, and the
self-test a new version or configuration must pass."""
