#!/usr/bin/env bash
# Put a terminal's A4 printer behind the CUPS queue the kiosk prints to, and make CUPS keep
# no citizen's document after printing.
#
#   sudo deploy/cups/configure-cups.sh DEVICE-URI [MODEL] [QUEUE]
#
#   DEVICE-URI  where the printer is: `lpinfo -v` lists them (usb://HP/LaserJet..., ipp://...)
#   MODEL       the driver: "everywhere" (IPP Everywhere / driverless, the default) or a PPD
#               from `lpinfo -m`
#   QUEUE       the queue name in [devices.a4_printer] queue (default tongban-a4)
#
# CUPS's default keeps job files (the PDF of a proof, with the citizen's name and ID
# number) for a day after printing: PreserveJobFiles No drops them when the job ends; the
# job history (no content) stays for diagnostics.
set -euo pipefail

uri=${1:?usage: configure-cups.sh DEVICE-URI [MODEL] [QUEUE]}
model=${2:-everywhere}
queue=${3:-tongban-a4}

command -v lpadmin >/dev/null || { echo "configure-cups: lpadmin not found: install cups (deploy/install-deps.sh runtime)" >&2; exit 1; }
cupsctl PreserveJobFiles=No PreserveJobHistory=Yes
lpadmin -p "$queue" -E -v "$uri" -m "$model" -o printer-error-policy=abort-job \
    -D "Tongban A4 printer" -L "$(hostname)"
lpoptions -d "$queue" >/dev/null
echo "configure-cups: queue $queue -> $uri ($model); job files are not kept after printing"
echo "configure-cups: check it with: kiosk print-test a4 --queue $queue"
