"""What identifies a citizen besides an ID card: scanned codes (codes.py), smart cards and
e-ID codes (arrivals.py), and the social security card PIN relay (pin.py)."""
