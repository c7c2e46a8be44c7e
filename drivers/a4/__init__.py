"""A4 document printers through CUPS, and the simulated CUPS queue used in tests and the demo."""
