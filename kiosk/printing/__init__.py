"""Printing as the application sees it: the printers (printers.py), print jobs (jobs.py),
the tamper-evident printed-output log (printlog.py) and document layouts (documents/)."""
