"""Real sync servers for the tests: harvest-server in a subprocess on 127.0.0.1 (SQLite or a throwaway
PostgreSQL cluster), two libraries with their own HARVEST_HOMEs, and key stores."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return env


def server_cmd(db_url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "harvest_desktop.server", "--db", db_url, *args]


def make_token(db_url: str, name: str) -> str:
    out = subprocess.run(server_cmd(db_url, "token", "create", name), env=server_env(), capture_output=True,
                         text=True, timeout=120, check=True)
    return out.stdout.strip().splitlines()[-1]


def revoke_token(db_url: str, name: str) -> str:
    out = subprocess.run(server_cmd(db_url, "token", "revoke", name), env=server_env(), capture_output=True,
                         text=True, timeout=120, check=True)
    return out.stdout


class ServerProcess:
    """harvest-server on 127.0.0.1 in its own process (so a test can kill it with SIGKILL)."""

    def __init__(self, db_url: str, port: int | None = None, *extra: str) -> None:
        self.db_url = db_url
        self.port = port or free_port()
        self.extra = extra
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ServerProcess":
        import httpx

        self.proc = subprocess.Popen(server_cmd(self.db_url, "--host", "127.0.0.1", "--port", str(self.port),
                                                *self.extra),
                                     env=server_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"harvest-server exited: {self.proc.stdout.read()}")
            try:
                if httpx.get(self.url + "/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("harvest-server did not answer within 60 s")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()


# -- PostgreSQL ------------------------------------------------------------------------------------

def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    exe = shutil.which("initdb")
    return Path(exe).parent if exe and shutil.which("pg_ctl") else None


class PostgresCluster:
    """A throwaway cluster in a temp folder, listening on 127.0.0.1 only; run as the postgres user when root."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="harvest-pg-"))
        self.data = self.dir / "data"
        self.why_not = ""

    def _as_owner(self, cmd: list[str]) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *cmd]
        return cmd

    def start(self) -> bool:
        if self.bin is None:
            self.why_not = "no PostgreSQL server binaries (initdb/pg_ctl) are installed (Debian package: postgresql)"
            return False
        if os.geteuid() == 0:
            if not shutil.which("runuser"):
                self.why_not = "running as root without runuser, so initdb cannot run as the postgres user"
                return False
            try:
                import pwd

                pw = pwd.getpwnam("postgres")
            except KeyError:
                self.why_not = "running as root and there is no postgres user to run the cluster as"
                return False
            os.chmod(self.dir, 0o755)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        init = subprocess.run(self._as_owner([str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                                              "-U", "harvest", "--no-sync", "-E", "UTF8"]),
                              capture_output=True, text=True, timeout=180)
        if init.returncode != 0:
            self.why_not = "initdb failed: " + (init.stderr or init.stdout)[-300:]
            return False
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off -c max_connections=60"
        start = subprocess.run(self._as_owner([str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", opts,
                                               "-l", str(self.dir / "log"), "-w", "-t", "60", "start"]),
                               capture_output=True, text=True, timeout=120)
        if start.returncode != 0:
            log = (self.dir / "log").read_text(errors="replace")[-300:] if (self.dir / "log").exists() else ""
            self.why_not = "pg_ctl start failed: " + (start.stderr or start.stdout)[-200:] + log
            return False
        return True

    def new_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=harvest dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://harvest@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.bin is not None and self.data.exists():
            subprocess.run(self._as_owner([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]),
                           capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


# -- key stores --------------------------------------------------------------------------------------

@contextmanager
def private_secret_service(folder: Path) -> Iterator[dict[str, str] | None]:
    """A throwaway GNOME Keyring on a private D-Bus session; yields the environment to use it, or
    None when dbus-daemon or gnome-keyring-daemon is not installed."""
    if not (shutil.which("dbus-daemon") and shutil.which("gnome-keyring-daemon")):
        yield None
        return
    run = folder / "run"
    run.mkdir(parents=True, exist_ok=True)
    os.chmod(run, 0o700)
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1", "--nopidfile"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        addr = bus.stdout.readline().strip()
        env = {"DBUS_SESSION_BUS_ADDRESS": addr, "XDG_RUNTIME_DIR": str(run), "XDG_DATA_HOME": str(folder / "data")}
        subprocess.run(["gnome-keyring-daemon", "--unlock", "--components=secrets"], input=b"test-keyring",
                       env={**os.environ, **env, "HOME": str(folder)}, capture_output=True, timeout=30)
        yield env
    finally:
        bus.kill()
        bus.wait(timeout=10)
        bus.stdout.close()


def open_library(home: Path):
    """A Library whose every path is under `home` (two of them live in one test process)."""
    from harvest_desktop.core.settings import Settings
    from harvest_desktop.index.service import IndexService
    from harvest_desktop.library import Library
    from harvest_desktop.store.db import Database

    home.mkdir(parents=True, exist_ok=True)
    old = os.environ.get("HARVEST_HOME")
    os.environ["HARVEST_HOME"] = str(home)
    try:
        settings = Settings.load()
        lib = Library(db=Database(home / "library.sqlite3"), settings=settings)
        lib._ctx._index = IndexService(lib.db, settings, folder=home / "index")
    finally:
        if old is None:
            os.environ.pop("HARVEST_HOME", None)
        else:
            os.environ["HARVEST_HOME"] = old
    return lib
