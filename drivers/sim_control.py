"""The simulators' control channel: one text command a line, one reply line each.

Replies start with ``ok`` or ``error``. ``kiosk-sim`` serves the channel on a unix socket;
tests, the kiosk demo and ``kiosk-sim ctl`` talk to it with ``send_command``.
"""

from __future__ import annotations

import logging
import os
import select
import shlex
import signal
import socket
import socketserver
import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Execute = Callable[[str], str]


def send_command(socket_path: str | Path, line: str, timeout: float = 5.0) -> str:
    """Send one command to a running simulator and return its reply line.

    Raises OSError (ConnectionRefusedError, FileNotFoundError, TimeoutError ...) when the
    simulator cannot be reached or does not answer within ``timeout``.
    """
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(socket_path))
        sock.sendall(line.strip().encode("utf-8") + b"\n")
        reply = bytearray()
        while not reply.endswith(b"\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    if not reply:
        raise ConnectionError(f"{socket_path}: simulator closed the connection without a reply")
    return reply.decode("utf-8", errors="replace").strip()


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        for raw in self.rfile:
            line = raw.decode("utf-8", errors="replace").strip()
            if not line:
                continue
            reply = self.server.execute(line)
            self.wfile.write(reply.encode("utf-8") + b"\n")
            self.wfile.flush()


class _Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True

    def __init__(self, path: str, execute: Execute) -> None:
        self.execute = execute
        super().__init__(path, _Handler)


class ControlServer:
    """Serves ``execute`` on a unix socket from a background thread."""

    def __init__(self, path: str | Path, execute: Execute) -> None:
        self.path = Path(path)
        self._execute = execute
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        _clear_stale_socket(self.path)
        self._server = _Server(str(self.path), self._execute)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
            name=f"sim-control {self.path}", daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        self.path.unlink(missing_ok=True)


def _clear_stale_socket(path: Path) -> None:
    """Remove a socket left by a simulator that died; refuse to take over a live one."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise FileExistsError(f"{path} exists and is not a socket")
    try:
        send_command(path, "status", timeout=1.0)
    except OSError:
        path.unlink(missing_ok=True)
        log.info("removed stale control socket %s", path)
        return
    raise FileExistsError(f"{path}: another simulator is listening there")


# -- the command-line side shared by every `kiosk-sim` family ------------------------------

_out_lock = threading.Lock()


def say(line: str) -> None:
    """Print one line for the person or script driving a simulator (thread-safe)."""
    with _out_lock:
        print(line, flush=True)


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM and SIGINT set ``stop`` (the simulator then cleans up and exits)."""

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


def start_stdin(execute: Execute, stop: threading.Event, stop_at_eof: bool,
                name: str = "kiosk-sim stdin") -> threading.Thread:
    """Commands one a line on stdin, each reply printed; end of input sets ``stop`` when
    ``stop_at_eof`` (without a control socket nothing else could stop the simulator)."""
    thread = threading.Thread(target=serve_stdin, args=(execute, say, stop, stop_at_eof),
                              name=name, daemon=True)
    thread.start()
    return thread


def serve_stdin(
    execute: Execute,
    reply: Callable[[str], None],
    stop: threading.Event,
    stop_at_eof: bool,
) -> None:
    # Raw fd reads with select rather than sys.stdin: a daemon thread blocked inside the
    # buffered stdin object can abort interpreter shutdown ("could not acquire lock").
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):
        fd = -1
    pending = b""
    while fd >= 0 and not stop.is_set():
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        pending += chunk
        while b"\n" in pending:
            raw, pending = pending.split(b"\n", 1)
            line = raw.decode("utf-8", errors="replace").strip()
            if line:
                reply(execute(line))
    if pending.strip() and not stop.is_set():  # a last line without its newline
        reply(execute(pending.decode("utf-8", errors="replace").strip()))
    if stop_at_eof:
        stop.set()


Handler = Callable[[list[str]], str]
S = TypeVar("S")


def run_command(
    line: str,
    commands: dict[str, Handler],
    lock: threading.Lock | threading.RLock,
    errors: tuple[type[Exception], ...],
    *,
    lower_args: bool = False,
    describe: Callable[[Exception], str] = str,
) -> str:
    """One console command of a simulator: split like a shell, look the first word up in
    ``commands``, run it under ``lock``; the reply is ``ok ...`` or ``error ...`` (the
    ``errors`` a handler raises become the error text, never a traceback)."""
    try:
        words = shlex.split(line)
    except ValueError as err:
        return f"error {err}"
    if not words:
        return "error empty command"
    handler = commands.get(words[0].lower())
    if handler is None:
        return f"error unknown command {words[0]!r} (try help)"
    args = [w.lower() for w in words[1:]] if lower_args else words[1:]
    with lock:
        try:
            return f"ok {handler(args)}".rstrip()
        except errors as err:
            return f"error {describe(err)}"


class CommandError(ValueError):
    """A console command that cannot be done as written; its text is the reply."""


def no_args(args: list[str], usage: str) -> None:
    if args:
        raise CommandError(f"usage: {usage}")


F = TypeVar("F", bound=Callable[..., str])


def command(*forms: str) -> Callable[[F], F]:
    """Declares a console method a command: ``forms`` are how it is typed, as the help
    shows them (``"paper normal|near-end|out"``, ``"fault sw3 XX [COUNT]"``); their first
    word is the command's name. The help is made from these, so it cannot drift from what
    is accepted (tests/drivers/test_sim_consoles.py runs every form the help lists)."""
    names = {form.split()[0] for form in forms}
    if len(names) != 1:
        raise ValueError(f"one command per method: {forms}")

    def mark(method: F) -> F:
        method._console_forms = forms  # type: ignore[attr-defined]
        return method

    return mark


class SimConsole(Generic[S]):
    """A simulator's console: command lines to calls on the simulator ``sim`` under one
    lock, safe to call from several threads, one ``ok ...`` / ``error ...`` reply each
    (run_command). A console declares its commands with ``@command(...)`` on methods taking
    the argument words; ``help`` (made from those declarations) and ``quit`` are answered
    here."""

    errors: tuple[type[Exception], ...] = (CommandError, RuntimeError, ValueError)
    lower_args = False

    def __init__(self, sim: S, on_quit: Callable[[], None]) -> None:
        self._sim = sim
        self._on_quit = on_quit
        self._lock = threading.Lock()
        self._commands: dict[str, Handler] = {
            **self._handlers(), "help": lambda args: self.help_text, "quit": self._quit,
        }

    @classmethod
    def command_forms(cls) -> list[str]:
        """Every form of every command, in the order declared, then help and quit."""
        forms: list[str] = []
        for name in _declared(cls):
            forms.extend(getattr(cls, name)._console_forms)
        return [*forms, "help", "quit"]

    @classmethod
    def help_line(cls) -> str:
        return "commands: " + " | ".join(cls.command_forms())

    @property
    def help_text(self) -> str:
        return self.help_line()

    def execute(self, line: str) -> str:
        return run_command(line, self._commands, self._lock, self.errors,
                           lower_args=self.lower_args, describe=self._describe)

    def _handlers(self) -> dict[str, Handler]:
        table: dict[str, Handler] = {}
        for attr in _declared(type(self)):
            forms = getattr(type(self), attr)._console_forms
            name = forms[0].split()[0].lower()
            if name in table:
                raise TypeError(f"{type(self).__name__}: command {name!r} declared twice")
            table[name] = getattr(self, attr)
        return table

    def _describe(self, err: Exception) -> str:
        return str(err)

    def _quit(self, args: list[str]) -> str:
        no_args(args, "quit")
        self._on_quit()
        return "bye"


def _declared(cls: type) -> list[str]:
    """Names of the @command methods of ``cls`` and its bases, bases first, each once."""
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        for attr, value in vars(klass).items():
            if hasattr(value, "_console_forms") and attr not in names:
                names.append(attr)
    return names
