"""Code scanning: decoders (pyzbar, zxing-cpp), camera, serial and keyboard-wedge scanners, a camera simulator."""
