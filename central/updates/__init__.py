"""Software updates on central's side (docs/fleet.md §4, §5): the TUF repository the
terminals verify everything against, the releases published into it, the rollouts that
offer them in waves from the heartbeat's answer, version pins, and the update windows read
from each hall's calendar."""
