"""Receipt printers (ESC/POS over TCP, serial, USB) and their simulator."""
