"""Lock files shared by every worker process: who computes which network, and how many at once.

A lock is a small JSON file (pid, host, a random token, when it was taken, its heartbeat)
created atomically with os.link, which fails when the file exists, so two workers can never
both take it. The process that holds a lock beats its heartbeat every `HEARTBEAT_SECONDS`
from a daemon thread while it holds it (also while the job waits in the queue). A lock is
stale, and is taken over, when its process is gone (same host, pid not running: a worker
killed mid-job frees its filters at once) or when its heartbeat is older than
`STALE_SECONDS` (another host, a frozen process, a reused pid).

Takeover happens under a guard (an flock on one file per folder, freed by the kernel if its
holder dies): the lock is read again under the guard, and only a lock still stale is replaced,
so of several workers racing for a stale lock exactly one gets it.

Standard library only, like the rest of the network's background work: the database is not
involved, so a job needs no connection and the locks work the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

HEARTBEAT_SECONDS = 10.0
# Six missed heartbeats: long enough for a busy process, short enough that nobody waits long.
STALE_SECONDS = 60.0

HOST = socket.gethostname()


@dataclass(frozen=True)
class Holder:
    """What a lock file says about who holds it."""

    pid: int
    host: str
    token: str
    started: float
    heartbeat: float


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # running, as another user
        return True
    return True


def read_holder(path: Path) -> Holder | None:
    """Who holds the lock at `path`, or None when there is no (readable) lock."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Holder(
            pid=int(data["pid"]),
            host=str(data["host"]),
            token=str(data["token"]),
            started=float(data["started"]),
            heartbeat=float(data["heartbeat"]),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        # Unreadable: judged by the file's age alone, with an empty token.
        try:
            moment = path.stat().st_mtime
        except OSError:
            return None
        # An empty token: no holder, nothing secret.
        return Holder(pid=0, host="", token="", started=moment, heartbeat=moment)  # nosec B106


def is_stale(
    holder: Holder, *, now: float | None = None, stale_seconds: float = STALE_SECONDS
) -> bool:
    """Whether a lock may be taken over: its process is gone or its heartbeat is old."""
    now = time.time() if now is None else now
    if now - holder.heartbeat > stale_seconds:
        return True
    return holder.host == HOST and holder.pid > 0 and not _pid_running(holder.pid)


class _Held:
    """The locks this process holds, and the thread that beats their heartbeats."""

    def __init__(self) -> None:
        self.tokens: dict[Path, str] = {}
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.interval = HEARTBEAT_SECONDS

    def add(self, path: Path, token: str) -> None:
        with self.lock:
            self.tokens[path] = token
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self._beat, name="network-lock-heartbeat", daemon=True
                )
                self.thread.start()

    def remove(self, path: Path) -> str | None:
        with self.lock:
            return self.tokens.pop(path, None)

    def _beat(self) -> None:
        while True:
            time.sleep(self.interval)
            with self.lock:
                held = list(self.tokens.items())
            for path, token in held:
                beat(path, token)


held = _Held()


def _write(path: Path, holder: Holder) -> Path:
    """The holder as a temporary file next to `path` (complete before anyone can see it)."""
    temporary = path.with_name(f"{path.name}.{holder.token}.tmp")
    temporary.write_text(
        json.dumps(
            {
                "pid": holder.pid,
                "host": holder.host,
                "token": holder.token,
                "started": holder.started,
                "heartbeat": holder.heartbeat,
            }
        ),
        encoding="utf-8",
    )
    return temporary


def beat(path: Path, token: str) -> bool:
    """Renew the heartbeat of a lock this process holds; False when it is no longer ours."""
    holder = read_holder(path)
    if holder is None or holder.token != token:
        return False
    try:
        temporary = _write(path, replace(holder, heartbeat=time.time()))
        os.replace(temporary, path)
    except OSError:
        return False
    return True


def acquire(path: Path, *, stale_seconds: float = STALE_SECONDS) -> str | None:
    """Take the lock at `path` (taking over a stale one); its token, or None when it is held."""
    path.parent.mkdir(parents=True, exist_ok=True)
    now = time.time()
    holder = Holder(os.getpid(), HOST, secrets.token_hex(8), now, now)
    temporary = _write(path, holder)
    try:
        try:
            os.link(temporary, path)
        except FileExistsError:
            if not _take_over(path, temporary, stale_seconds):
                return None
        held.add(path, holder.token)
        return holder.token
    finally:
        temporary.unlink(missing_ok=True)


def _take_over(path: Path, temporary: Path, stale_seconds: float) -> bool:
    """Replace the lock at `path` by `temporary` if it is (still) stale, under the guard."""
    with open(path.parent / ".takeover.guard", "a", encoding="ascii") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        try:
            holder = read_holder(path)
            if holder is not None and not is_stale(holder, stale_seconds=stale_seconds):
                return False
            path.unlink(missing_ok=True)
            try:
                os.link(temporary, path)
            except FileExistsError:  # taken meanwhile by a worker that found no lock at all
                return False
            return True
        finally:
            fcntl.flock(guard, fcntl.LOCK_UN)


def release(path: Path, token: str) -> None:
    """Give up a lock this process holds (never one another process has taken over)."""
    held.remove(path)
    holder = read_holder(path)
    if holder is not None and holder.token == token:
        path.unlink(missing_ok=True)


def acquire_slot(
    directory: Path,
    slots: int,
    *,
    wait: float | None = None,
    poll: float = 0.5,
    stale_seconds: float = STALE_SECONDS,
) -> tuple[Path, str] | None:
    """One of `slots` machine-wide places to run a heavy job, waiting up to `wait` seconds
    (forever when None) for one to free; the slot's path and token, or None on timeout."""
    deadline = None if wait is None else time.monotonic() + wait
    while True:
        for number in range(max(1, slots)):
            path = directory / f"slot-{number}.lock"
            token = acquire(path, stale_seconds=stale_seconds)
            if token is not None:
                return path, token
        if deadline is not None and time.monotonic() >= deadline:
            return None
        time.sleep(poll)
