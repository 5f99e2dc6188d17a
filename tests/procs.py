"""Real processes for the fault tests: a gunicorn server and a throwaway PostgreSQL.

Both are started as separate OS processes so a test can kill them the way a
crash would (SIGKILL, `pg_ctl restart -m immediate`), not by mocking anything.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dsn_of_test_database() -> str:
    """libpq keywords for the test database the Django connection uses (for raw psycopg connections)."""
    from django.db import connection
    from psycopg.conninfo import make_conninfo

    s = connection.settings_dict
    return make_conninfo(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"],
        password=s["PASSWORD"] or None,
        dbname=s["NAME"],
    )


def url_of_test_database() -> str:
    """DATABASE_URL of the test database, for a server process."""
    from urllib.parse import quote

    from django.db import connection

    s = connection.settings_dict
    auth = quote(s["USER"]) + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """The test environment for a server process, pointed at `database_url`."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings", **extra}
    env.pop("CELERY_BROKER_URL", None)
    env["CELERY_TASK_ALWAYS_EAGER"] = "1"
    return env


class Server:
    """`gunicorn config.wsgi` in its own process group, on a free port."""

    def __init__(self, env: dict[str, str], *, workers: int = 1, threads: int = 4) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="kb-server-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(workers),
                "--threads",
                str(threads),
                "--graceful-timeout",
                "2",
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL reaches the workers too
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.output()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code in (200, 503):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not start: {self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: a crash, no clean-up of any kind."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def _binary(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)), None
    )


class ThrowawayPostgres:
    """A private PostgreSQL cluster in a temp dir on a free port, owned by the `postgres` OS user.

    The machine's shared PostgreSQL is never touched: this one can be restarted
    or crashed at will. `available()` is False only when the binaries are absent.
    """

    @staticmethod
    def available() -> bool:
        if _binary("initdb") is None or _binary("pg_ctl") is None:
            return False
        return os.geteuid() != 0 or shutil.which("runuser") is not None

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="kb-pg-"))
        self.data = self.dir / "data"
        self.logfile = self.dir / "postgres.log"
        if os.geteuid() == 0:
            shutil.chown(self.dir, user="postgres", group="postgres")
        self._run(_binary("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"
        self._run(_binary("pg_ctl"), "-D", str(self.data), "-l", str(self.logfile), "-o", options, "-w", "start")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str | None) -> None:
        command = [str(a) for a in args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        # No pipes: the postmaster inherits pg_ctl's stdout and would hold a pipe open forever.
        with open(self.dir / "pg_ctl.log", "ab") as log:
            subprocess.run(command, check=True, stdout=log, stderr=log, cwd=self.dir, timeout=120)  # noqa: S603

    def started_at(self) -> object:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            row = conn.execute("SELECT pg_postmaster_start_time()").fetchone()
        assert row is not None
        return row[0]

    def restart(self, mode: str = "immediate") -> None:
        """Stop (immediate = a crash: no checkpoint, recovery from WAL on start) and start again."""
        self._run(_binary("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "restart")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(_binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
