"""Service flows: plain state machines that screens drive and tests run without a window."""
