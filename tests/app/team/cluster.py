"""A PostgreSQL cluster of a test's own (initdb in a temporary folder, a Unix socket only),
for what the shared test server must not do: restart mid-session, demand passwords.

As root (CI) the server runs as the ``postgres`` user through ``runuser``, as scripts/test
runs the shared one."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def _bin(name: str) -> str | None:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    return shutil.which(name)


def available() -> bool:
    if _bin("initdb") is None or _bin("pg_ctl") is None:
        return False
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return False
    return True


class Cluster:
    """``start()``, ``stop()``, ``restart()``; ``url(user)`` a socket URL to ``postgres``."""

    def __init__(self, auth: str = "trust", password: str | None = None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="paperdesk-pgtest-"))
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.data = self.dir / "data"
        args = [_bin("initdb") or "initdb", "-D", str(self.data), "-U", "postgres", "-E", "UTF8"]
        args += ["--no-sync", "--auth-local", auth, "--auth-host", auth]
        if password is not None:
            pwfile = self.dir / "pw"
            pwfile.write_text(password + "\n")
            if os.geteuid() == 0:
                shutil.chown(pwfile, "postgres")
            args += ["--pwfile", str(pwfile)]
        self._run(args)

    def _run(self, args: list[str]) -> None:
        if os.geteuid() == 0:
            args = ["runuser", "-u", "postgres", "--", *args]
        done = subprocess.run(args, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stdout}{done.stderr}")

    def url(self, user: str = "postgres", database: str = "postgres") -> str:
        return f"postgresql:///{database}?host={self.dir}&user={user}"

    def start(self) -> Cluster:
        opts = f"-k {self.dir} -c listen_addresses='' -c fsync=off"
        log = str(self.dir / "server.log")
        self._run(
            [_bin("pg_ctl") or "pg_ctl", "-D", str(self.data), "-l", log, "-w", "-o", opts, "start"]
        )
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run([_bin("pg_ctl") or "pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop"])

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except RuntimeError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
