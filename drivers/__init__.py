"""Device contracts, drivers and the simulators that speak the same wire protocols.

Nothing here imports Kivy or the kiosk application: drivers are usable on their own.
"""
