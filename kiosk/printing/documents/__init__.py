"""Document layouts: receipts (as ``ReceiptDocument`` blocks) and A4 documents (as PDF).

Layouts only arrange content. The receipt printer driver turns blocks into ESC/POS and wraps
them at its paper width, so nothing here knows whether the paper is 58 or 80 mm; the A4
printer driver takes the PDF bytes as they are.
"""
