"""What every service's screens share: the keypads (keyboard), PIN entry (pin), the flow
header, tags and the base of a flow's screens (flow), the busy ring and the waiting screen
(busy), the outcome layout and the error screen (outcome), large tiles in a list (tiles).
Each module's layout is the .kv file beside it, loaded at start-up by ``kv.load_all()``.
"""
