"""The configuration files of the simulated printer's private cupsd (see sim_cups)."""

from __future__ import annotations

import time
from pathlib import Path


def cups_files_conf(root: Path, filter_user: str) -> str:
    """cups-files.conf: every path cupsd writes lies under ``root``."""
    return f"""User {filter_user}
Group {filter_user}
SystemGroup root
ServerRoot {root}/etc
ServerBin {root}/bin
RequestRoot {root}/spool
TempDir {root}/spool/tmp
CacheDir {root}/cache
StateDir {root}/state
AccessLog {root}/log/access_log
ErrorLog {root}/log/error_log
PageLog {root}/log/page_log
FileDevice No
"""


def cupsd_conf(socket_path: str, port: int | None, log_level: str) -> str:
    """cupsd.conf: a unix socket (and 127.0.0.1:port), no browsing, no authentication."""
    listen = f"Listen {socket_path}\n"
    if port:
        listen += f"Listen 127.0.0.1:{port}\n"
    return f"""LogLevel {log_level}
MaxLogSize 1m
{listen}Browsing No
BrowseLocalProtocols none
DefaultShared No
WebInterface No
DefaultAuthType None
# Job documents may hold personal data: never keep them after the job; keep the history
# (job states) so a driver can still read how a finished job ended.
PreserveJobFiles No
PreserveJobHistory Yes
<Location />
  Order allow,deny
  Allow localhost
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""


def printers_conf(queue: str, device_uri: str) -> str:
    """printers.conf with the one queue. abort-job: a failed backend ends that job only,
    as the next test or demo job must not find the queue stopped."""
    return f"""<Printer {queue}>
Info Tongban simulated A4 printer (cups-pdf)
MakeModel Generic CUPS-PDF Printer (w/ options)
DeviceURI {device_uri}
State Idle
StateTime {int(time.time())}
Accepting Yes
Shared No
JobSheets none none
ErrorPolicy abort-job
OpPolicy default
</Printer>
"""


# cups-pdf reads option defaults from the PPD named by $PPD (cups-pdf.c read_config_ppd);
# relative paths resolve in root_dir/cups-pdf, the backend's working directory, which keeps
# every value under the PPD's 40-character limit for a choice.
_SETTINGS = (
    ("Out", "stage"), ("AnonDirName", "stage"), ("Spool", "spool"), ("Log", "log"),
    ("GSTmp", "tmp"), ("Grp", "lp"), ("UserUMask", "0077"), ("AnonUMask", "0077"),
    ("Label", "0"), ("LogType", "1"),
)
CUPS_PDF_SETTINGS = """*PPD-Adobe: "4.3"
*FormatVersion: "4.3"
*FileVersion: "1.0"
*LanguageVersion: English
*LanguageEncoding: ISOLatin1
*PCFileName: "TONGBAN.PPD"
*Manufacturer: "Tongban"
*Product: "(Tongban simulated printer)"
*ModelName: "Tongban cups-pdf settings"
*ShortNickName: "Tongban cups-pdf settings"
*NickName: "Tongban cups-pdf settings"
*PSVersion: "(3010.000) 0"
*OpenGroup: CupsPdf/cups-pdf settings
""" + "".join(
    f"*OpenUI *{key}/{key}: PickOne\n*Default{key}: {value}\n*{key} {value}/{value}: \"\"\n"
    f"*CloseUI: *{key}\n"
    for key, value in _SETTINGS
) + "*CloseGroup: CupsPdf\n"
