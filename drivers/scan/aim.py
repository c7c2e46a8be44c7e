"""AIM symbology identifiers (ISO/IEC 15424): the "]Q1" a scanner can put before a code.

Serial and keyboard-wedge scanners say nothing about what they read unless configured to
send this prefix; with it, the kiosk knows a QR code from a bar code like a camera does.
"""

from __future__ import annotations

UNKNOWN = "unknown"

# Code character -> zxing-cpp's symbology name (the names CodeScanned uses everywhere).
AIM_SYMBOLOGIES = {
    "Q": "QRCode", "C": "Code128", "A": "Code39", "G": "Code93", "E": "EANUPC",
    "I": "ITF", "F": "Codabar", "L": "PDF417", "d": "DataMatrix", "z": "Aztec",
    "e": "DataBar", "X": UNKNOWN,
}


def split_aim(line: str) -> tuple[str, str]:
    """"]Q1text" -> ("text", "QRCode"); a line without an identifier is left alone."""
    if len(line) >= 3 and line[0] == "]" and line[1] in AIM_SYMBOLOGIES:
        return line[3:], AIM_SYMBOLOGIES[line[1]]
    return line, UNKNOWN
