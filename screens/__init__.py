"""Kivy screens. Reads kiosk state and sends intents; no I/O here."""
