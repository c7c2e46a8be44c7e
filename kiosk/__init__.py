"""Tongban Kiosk application layer: session, flows, config. No Kivy here."""
