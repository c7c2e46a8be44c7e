"""What is the matter with a serial port, for `kiosk doctor` and `kiosk read-id`: missing,
busy (held by another process, most often the running kiosk), permission denied, or free.

The drivers open their ports exclusively (pyserial's ``exclusive=True``: flock; some
programs use TIOCEXCL or a UUCP lock file), so a port the kiosk holds cannot be opened
again and the driver only says it could not open it. This probe tells the cases apart
without privilege: stat, then an open that does not become the controlling terminal, then
a non-blocking flock; the holder is found in /proc/locks (any user's flock, by inode) or
among this user's own processes' open files.
"""

from __future__ import annotations

import errno
import fcntl
import getpass
import grp
import os
import stat
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

LOCK_DIRS = (Path("/run/lock"), Path("/var/lock"))
SERVICE = "tongban-kiosk"


class PortState(StrEnum):
    FREE = "free"
    MISSING = "missing"
    BUSY = "busy"
    PERMISSION = "permission"
    NOT_A_DEVICE = "not_a_device"


@dataclass(frozen=True)
class PortCheck:
    port: str
    state: PortState
    holder_pid: int | None = None
    holder: str = ""          # the holder's command line, shortened
    holder_is_kiosk: bool = False
    group: str = ""           # the port's group (for a permission problem)

    @property
    def held_by_kiosk(self) -> bool:
        return self.holder_is_kiosk

    def message(self) -> str:
        """Chinese first, the cause, the fix (English in brackets for searching)."""
        port = self.port
        if self.state is PortState.MISSING:
            return (f"设备未连接：{port} 不存在；请检查 USB/串口线是否插好、配置里的端口是否正确"
                    f"（ls -l /dev/serial/by-id/ 列出已连接的串口）(device not found: {port})")
        if self.state is PortState.PERMISSION:
            user = _user()
            group = self.group or "dialout"
            held = f"（它正由进程 {self.holder_pid}（{self.holder}）使用）" if self.holder_pid else ""
            return (f"没有权限打开 {port}{held}：当前用户 {user} 不在 {group} 组；"
                    f"请执行 sudo usermod -aG {group} {user} 后重新登录，或安装 deploy/udev 规则"
                    f" (permission denied: {port})")
        if self.state is PortState.BUSY:
            who = f"进程 {self.holder_pid}（{self.holder}）" if self.holder_pid else "另一个程序"
            if self.held_by_kiosk:
                return (f"端口被占用：自助终端程序 {who} 正在使用 {port}（这是正常的）；"
                        f"如需单独测试请先停止 kiosk 服务：sudo systemctl stop {SERVICE}"
                        f" (port busy: held by the running kiosk)")
            hint = "" if self.holder_pid else f"（可用 fuser -v {port} 查看是谁）"
            return (f"端口被占用：{who} 正在使用 {port}{hint}；请先停止它（若是自助终端程序："
                    f"sudo systemctl stop {SERVICE}）再测试 (port busy: held by another program)")
        if self.state is PortState.NOT_A_DEVICE:
            return (f"端口设置有误：{port} 不是串口设备；请在配置里改为读卡器的串口，"
                    f"例如 /dev/tongban-idreader 或 /dev/ttyUSB0 (not a serial device: {port})")
        return f"端口正常：{port} 可以打开 (port free: {port})"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def probe_port(port: str) -> PortCheck:
    """The state of the serial port ``port`` (a path; a symlink is followed)."""
    try:
        info = os.stat(port)
    except FileNotFoundError:
        return PortCheck(port, PortState.MISSING)
    except PermissionError:
        return PortCheck(port, PortState.PERMISSION)
    except (OSError, ValueError):
        return PortCheck(port, PortState.MISSING)
    if not stat.S_ISCHR(info.st_mode):
        return PortCheck(port, PortState.NOT_A_DEVICE)
    group = _group_name(info.st_gid)
    try:
        fd = os.open(port, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as err:
        if err.errno == errno.EBUSY:   # TIOCEXCL set by the holder
            return _busy(port, info)
        if err.errno in (errno.EACCES, errno.EPERM):
            # /proc/locks names a holder even for a port this user may not open.
            pid = _flock_holder(info)
            holder, is_kiosk = _command(pid) if pid else ("", False)
            return PortCheck(port, PortState.PERMISSION, pid, holder, is_kiosk, group=group)
        return PortCheck(port, PortState.MISSING)   # ENXIO, ENODEV, EIO: the device went away
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _busy(port, info)
        except OSError:
            pass   # a device without flock support: nothing to learn here
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    pid = _uucp_lock_holder(port)
    if pid is not None:
        return PortCheck(port, PortState.BUSY, pid, *_command(pid))
    return PortCheck(port, PortState.FREE, group=group)


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _busy(port: str, info: os.stat_result) -> PortCheck:
    pid = _flock_holder(info) or _open_by_own_process(info)
    return PortCheck(port, PortState.BUSY, pid, *(_command(pid) if pid else ("", False)))


def _flock_holder(info: os.stat_result) -> int | None:
    """The pid /proc/locks gives for a lock on this inode (shown for every user's locks)."""
    want = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    try:
        lines = Path("/proc/locks").read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 1234 00:18:3 0 EOF"; blocked waiters start with "->"
        if len(fields) >= 6 and fields[1] != "->" and fields[5] == want and fields[4].isdigit():
            return int(fields[4])
    return None


def _open_by_own_process(info: os.stat_result) -> int | None:
    """A process of this user with the port open (other users' fds are not readable)."""
    me = os.getpid()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == me:
            continue
        try:
            for fd in (proc / "fd").iterdir():
                try:
                    found = os.stat(fd)
                except OSError:
                    continue
                if (found.st_dev, found.st_ino, found.st_rdev) == (info.st_dev, info.st_ino, info.st_rdev):
                    return int(proc.name)
        except OSError:
            continue
    return None


def _uucp_lock_holder(port: str) -> int | None:
    """A live process named in a UUCP lock file LCK..ttyUSB0 (minicom, some vendor tools)."""
    name = os.path.basename(os.path.realpath(port))
    for folder in LOCK_DIRS:
        try:
            text = (folder / f"LCK..{name}").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue
        try:
            pid = int(text.split()[0])
        except (ValueError, IndexError):
            continue
        if Path(f"/proc/{pid}").exists():
            return pid
    return None


def _command(pid: int) -> tuple[str, bool]:
    """The process's command line (one line, shortened) and whether it is the `kiosk`
    program (its executable, or the script a Python runs, is called kiosk)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "", False
    argv = [w for w in raw.decode("utf-8", errors="replace").split("\0") if w]
    is_kiosk = any(os.path.basename(w) == "kiosk" for w in argv[:2]) or argv[1:3] == ["-m", "kiosk"]
    words = [os.path.basename(w) if i == 0 else w for i, w in enumerate(argv)]
    text = " ".join(" ".join(words).split())   # newlines of a `python -c` script and the like
    return (text if len(text) <= 60 else text[:59] + "…"), is_kiosk
