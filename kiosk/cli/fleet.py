"""`kiosk heartbeat --once [--json]`: send one heartbeat now (reason ``cli``) and print what
was sent and what central answered (docs/fleet.md §2), for technicians and tests.

The body is the kiosk's own (kiosk/fleet/health.py). Device states: while the kiosk runs it
holds the devices open, so the states it last reported (``<data_dir>/fleet/
last_heartbeat.json``, fresh within two periods) are used; otherwise the devices are opened
here for ``--wait`` seconds, like `kiosk doctor`. Commands in the answer are not run here
and not acknowledged: central delivers them again to the running kiosk.

Exit 0 answered; 1 not enrolled, central unreachable or refusing (the cause named on
stderr; with --json the body sent is still printed, with ``"error"``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from drivers.status import DeviceState, DeviceStatus, FaultAction, SupplyLevel
from kiosk import hall_time
from kiosk.central_api import client_for
from kiosk.central_api.errors import (
    CentralError,
    CentralRejected,
    CentralUnavailable,
    IdentityInvalid,
    InvalidResponse,
)
from kiosk.central_api.fleet import FleetApi, Heartbeat
from kiosk.central_api.signing import load_identity
from kiosk.cli.words import data_dir_problem, line, store_problem, tell
from kiosk.config import KioskConfig
from kiosk.devices import build_devices
from kiosk.fleet import health
from kiosk.fleet.maintenance import Maintenance
from kiosk.fleet.service import LAST_FILE
from kiosk.outbox import open_outbox
from kiosk.printing.printlog import PrintLog
from kiosk.store import StoreError, open_store

EXIT_OK, EXIT_FAIL = 0, 1
COMMAND = "heartbeat"


def add_parsers(sub: Any) -> None:
    beat = sub.add_parser("heartbeat", help="send one heartbeat to central now and print it")
    beat.add_argument("--once", action="store_true", required=True, help="one heartbeat, now")
    beat.add_argument("--json", action="store_true", help='print {"sent": ..., "answer": ...}')
    beat.add_argument("--wait", type=float, default=3.0, metavar="S",
                      help="seconds to let devices connect when the kiosk is not running")


def run(config: KioskConfig, args: argparse.Namespace) -> int:
    data_dir = Path(config.terminal.data_dir)
    try:
        identity = load_identity(data_dir)
    except IdentityInvalid as err:
        return _failed(args, None, "identity_invalid",
                       line(COMMAND, "本机保存的注册信息已损坏", "请运行 kiosk enroll --code CODE --force 重新注册",
                            english=str(err.detail)))
    if identity is None:
        return _failed(args, None, "not_enrolled",
                       line(COMMAND, "本终端还没有注册到平台", "请先运行 kiosk enroll --code CODE",
                            english="not enrolled"))
    try:
        body = build_body(config, args.wait)
    except StoreError as err:
        tell(store_problem(COMMAND, err))
        return EXIT_FAIL
    except OSError as err:
        tell(data_dir_problem(COMMAND, data_dir, err))
        return EXIT_FAIL
    except ValueError as err:   # pydantic's ValidationError: a value outside the contract
        tell(line(COMMAND, "心跳内容不符合约定", "请把这一行发给平台管理员（终端软件的缺陷）",
                  english=f"heartbeat body invalid: {str(err).splitlines()[0]}"))
        return EXIT_FAIL
    url = identity.central_url or config.central.url or ""
    try:
        with client_for(config, identity) as client:
            answer = FleetApi(client).heartbeat(body)
    except CentralUnavailable as err:
        return _failed(args, body, err.code,
                       line(COMMAND, "连不上政务服务平台", "请检查网络、平台地址和 CA 证书（[central] ca_bundle）后重试",
                            url, f"central unreachable: {err.code}: {err.detail}"))
    except CentralRejected as err:
        return _failed(args, body, err.error,
                       line(COMMAND, f"平台拒绝了心跳（{err.error}）", "请把这一行发给平台管理员", url,
                            f"rejected: HTTP {err.status} {err.error}" + (f": {err.detail}" if err.detail else "")))
    except InvalidResponse as err:
        return _failed(args, body, err.code,
                       line(COMMAND, "平台的回复不符合约定", "请确认平台与终端的软件版本相配，再把这一行发给平台管理员",
                            url, f"invalid response: {err.detail}"))
    except CentralError as err:
        return _failed(args, body, err.code,
                       line(COMMAND, "心跳发送失败", "请稍后重试，仍失败请把这一行发给平台管理员", url, str(err)))
    sent = body.model_dump(mode="json")
    if args.json:
        print(json.dumps({"sent": sent, "answer": answer.model_dump(mode="json")}, ensure_ascii=False))
        return EXIT_OK
    print(f"heartbeat sent to {url}: version {body.software_version}, config {body.config_version}, "
          f"outbox {body.outbox.depth}, maintenance {'on' if body.maintenance else 'off'}")
    for name, device in body.devices.items():
        print(f"  {name:<15} {device.state}{' ' + device.fault if device.fault else ''}")
    print(f"central answered at {answer.server_time.isoformat()}: {len(answer.commands)} command(s) waiting"
          + (" (the running kiosk runs them)" if answer.commands else "")
          + (f", update offered: {answer.update.version}" if answer.update else ""))
    return EXIT_OK


def _failed(args: argparse.Namespace, body: Heartbeat | None, code: str, message: str) -> int:
    tell(message)
    if args.json:
        sent = body.model_dump(mode="json") if body is not None else None
        print(json.dumps({"sent": sent, "answer": None, "error": code}, ensure_ascii=False))
    return EXIT_FAIL


def build_body(config: KioskConfig, wait: float) -> Heartbeat:
    data_dir = Path(config.terminal.data_dir)
    folder = data_dir / "fleet"
    statuses = _kiosk_statuses(folder / LAST_FILE, config.fleet.heartbeat_s)
    if statuses is None:
        statuses = _open_and_look(config, wait)
    from kiosk.update.service import UpdateService

    with open_store(data_dir) as store:
        outbox = open_outbox(config, store).status()
        head = PrintLog(store, None).head()
    maintenance = Maintenance(folder, lambda _event: None, config.fleet.hall_phone)
    # The configuration version and state as the kiosk reports them (read-only here: no
    # offer is acted on and nothing is fetched by this command).
    from kiosk.fleet.remote_config import RemoteConfig
    from kiosk.fleet.selftest import SelfTest

    remote = RemoteConfig(config, client=lambda: None, selftest=SelfTest(dict, lambda: outbox),
                          device_ready=dict)
    return health.build(health.Snapshot(
        reason="cli",
        now=hall_time.now(hall_time.hall_zone(config)),
        uptime_s=health.host_uptime_s(0.0),
        data_dir=data_dir,
        statuses=statuses,
        outbox=outbox,
        print_log_head=head,
        maintenance=maintenance.on,
        session_active=False,
        last_session_end=None,
        updates=UpdateService(config),
        remote_config=remote,
        acks=[],
    ))


def _kiosk_statuses(path: Path, period_s: float) -> dict[str, DeviceStatus] | None:
    """The devices as the running kiosk last reported them, when that is recent."""
    try:
        if time.time() - path.stat().st_mtime > 2 * period_s + 10:
            return None
        devices = json.loads(path.read_text(encoding="utf-8"))["sent"]["devices"]
        return {name: DeviceStatus(
            DeviceState(d["state"]), FaultAction(d.get("action", "none")),
            {k: SupplyLevel(v) for k, v in d.get("supplies", {}).items()}, str(d.get("fault", "")),
        ) for name, d in devices.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _open_and_look(config: KioskConfig, wait: float) -> dict[str, DeviceStatus]:
    devices = build_devices(config.devices)
    for device in devices.values():
        device.open()
    try:
        deadline = time.monotonic() + max(0.0, wait)
        while time.monotonic() < deadline and not all(d.status().ready for d in devices.values()):
            time.sleep(0.1)
        return {name: device.status() for name, device in devices.items()}
    finally:
        for device in devices.values():
            device.close()
