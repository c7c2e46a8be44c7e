"""A throwaway PostgreSQL cluster for tests and benchmarks.

`initdb` into a temp directory, then run `postgres` in the foreground as our child,
listening only on a Unix socket in that directory (no TCP port to collide with other
sessions). As root the server runs as the `postgres` user (initdb refuses root). The
server gets SIGINT (fast shutdown) when the process that started it dies
(PR_SET_PDEATHSIG), so a killed pytest leaves no server behind; `stop()` deletes the
directory.

    with TempPostgres() as pg:
        pg.create_database("central")
        url = pg.url("central")      # postgresql+psycopg://postgres@/central?host=...
"""

from __future__ import annotations

import ctypes
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support.services import PACKAGES, Missing, require

POSTGRES_PACKAGE = PACKAGES["postgresql"]
SUPERUSER = "postgres"
PORT = 5432  # only names the socket file; the socket directory is private


class PostgresError(RuntimeError):
    pass


def find_bindir() -> Path:
    """Directory with initdb and postgres: $TONGBAN_PG_BIN, else the newest Debian one."""
    candidates = []
    if env := os.environ.get("TONGBAN_PG_BIN"):
        candidates.append(Path(env))
    base = Path("/usr/lib/postgresql")
    if base.is_dir():
        versions = sorted(
            (p for p in base.iterdir() if p.name.isdigit()), key=lambda p: int(p.name)
        )
        candidates.extend(p / "bin" for p in reversed(versions))
    for path in candidates:
        if (path / "initdb").exists() and (path / "postgres").exists():
            return path
    raise PostgresError(
        "PostgreSQL server binaries (initdb, postgres) not found: install the Debian package "
        f"'{POSTGRES_PACKAGE}' (make deps, or: sudo apt-get install {POSTGRES_PACKAGE}), "
        "or point $TONGBAN_PG_BIN at their directory"
    )


def postgres_missing() -> Missing | None:
    """No PostgreSQL server binaries here (with the Debian package), or None when there are."""
    try:
        find_bindir()
    except PostgresError:
        return Missing("PostgreSQL server binaries (initdb, postgres) not found (or set $TONGBAN_PG_BIN)",
                       POSTGRES_PACKAGE)
    return None


def require_postgres() -> None:
    """In a test or fixture: skip when PostgreSQL is not installed (fail under CI=true)."""
    require(postgres_missing())


def _die_with_parent() -> None:  # in the child after setuid (CPython runs it after), before exec
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGINT)
    except Exception:
        pass


class TempPostgres:
    def __init__(self, *, durable: bool = False, max_connections: int = 200) -> None:
        """`durable=False` turns fsync off: fine for tests, whose data dies with them."""
        self.durable = durable
        self.max_connections = max_connections
        self.root: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    # --- lifecycle ------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> None:
        bindir = find_bindir()
        self.root = Path(tempfile.mkdtemp(prefix="tongban-pg-"))
        try:
            self._start(bindir, timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, bindir: Path, timeout: float) -> None:
        assert self.root is not None
        as_user = self._run_as()
        if as_user is not None:
            os.chown(self.root, as_user.pw_uid, as_user.pw_gid)
        log = self.root / "postgres.log"
        self._run(
            [
                str(bindir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-instructions",
            ],
            as_user,
        )
        self._mkdir(self.socket_dir, as_user)
        settings = {
            "listen_addresses": "",
            "unix_socket_directories": str(self.socket_dir),
            "port": str(PORT),
            "max_connections": str(self.max_connections),
            "shared_buffers": "128MB",
        }
        if not self.durable:
            settings.update(fsync="off", synchronous_commit="off", full_page_writes="off")
        args = [str(bindir / "postgres"), "-D", str(self.data_dir)]
        for key, value in settings.items():
            args += ["-c", f"{key}={value}"]
        with open(log, "wb") as out:
            self._proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in the terminal goes to pytest, not here
                preexec_fn=_die_with_parent,
                **self._user_kwargs(as_user),
            )
        self._wait_ready(timeout)

    def stop(self, timeout: float = 15.0) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # fast shutdown: disconnect clients, checkpoint
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=timeout)
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> TempPostgres:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- use ------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        assert self.root is not None, "not started"
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.root is not None, "not started"
        return self.root / "sock"

    def url(self, dbname: str) -> str:
        """SQLAlchemy URL (psycopg 3) of a database on this server."""
        return f"postgresql+psycopg://{SUPERUSER}@/{dbname}?host={self.socket_dir}&port={PORT}"

    def connect(self, dbname: str = "postgres") -> Any:
        import psycopg

        return psycopg.connect(
            host=str(self.socket_dir), port=PORT, user=SUPERUSER, dbname=dbname, autocommit=True
        )

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create `name` (a copy of `template` if given) and return its URL."""
        with self.connect() as conn:
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{suffix}')  # type: ignore[arg-type]
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]

    # --- helpers --------------------------------------------------------------------

    @staticmethod
    def _run_as() -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam(SUPERUSER)
        except KeyError:
            raise PostgresError(
                f"running as root needs the system user '{SUPERUSER}' (the Debian package "
                f"'{POSTGRES_PACKAGE}' creates it): initdb refuses to run as root"
            ) from None

    @staticmethod
    def _user_kwargs(as_user: pwd.struct_passwd | None) -> dict[str, Any]:
        if as_user is None:
            return {}
        return {"user": as_user.pw_uid, "group": as_user.pw_gid, "extra_groups": []}

    def _mkdir(self, path: Path, as_user: pwd.struct_passwd | None) -> None:
        path.mkdir(mode=0o700)
        if as_user is not None:
            os.chown(path, as_user.pw_uid, as_user.pw_gid)

    def _run(self, args: list[str], as_user: pwd.struct_passwd | None) -> None:
        result = subprocess.run(
            args, capture_output=True, text=True, cwd=self.root, **self._user_kwargs(as_user)
        )
        if result.returncode != 0:
            raise PostgresError(
                f"{Path(args[0]).name} failed ({result.returncode}): {result.stderr.strip()[-2000:]}"
            )

    def _wait_ready(self, timeout: float) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise PostgresError(
                    f"postgres exited with status {self._proc.returncode}{self._tail()}"
                )
            try:
                self.connect().close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise PostgresError(
                        f"postgres not ready within {timeout:.0f} s{self._tail()}"
                    ) from None
                time.sleep(0.05)

    def _tail(self) -> str:
        log = self.root / "postgres.log" if self.root else None
        if log is None or not log.exists():
            return ""
        text = log.read_text(errors="replace").strip()
        return f":\n{text[-2000:]}" if text else ""
