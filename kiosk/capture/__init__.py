"""Capturing paper with the document camera (高拍仪) for an application: quality checks,
pages held in memory, and the small per-document state machine flows hold (docs/casework.md
§5). Pages never leave memory except sealed in the outbox (kiosk/outbox.py, kind
``evidence``)."""
