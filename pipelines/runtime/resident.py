"""Resident workers, opt-in: the dbt and Great Expectations worker processes of a refresh stay after it,
idle, for the next one (TOUYAN_WORKER_IDLE seconds, e.g. 900; the default 0 leaves no process behind).
Their imports and first-run set-up (~8 CPU-s of a ~20 CPU-s demo refresh on two cores) are then paid once
per working session instead of once per refresh, which is how an analyst works: drop a file, refresh, fix,
refresh. Measured on the demo: ~7–8 s a refresh with workers of its own, ~6 s with warm resident ones.
Opt-in because two processes left for 15 minutes after every refresh surprise whoever runs it from cron or
CI; an analyst refreshing again and again turns them on.

A resident worker listens on a Unix socket in a private folder (mode 0700: Settings.runtime_dir,
$TOUYAN_RUNTIME_DIR, $XDG_RUNTIME_DIR/touyan or /tmp/touyan-<uid>), named after everything its answers
depend on: the Python, the installed packages, this project's code, the working folder and the worker's
environment. Change any of them and the next refresh starts a fresh one; the old one leaves when its idle
time is up.

One refresh at a time uses a resident worker: it holds the worker's lock file (flock) from attaching to
closing. A second refresh at the same time (another data folder) finds it locked and starts its own
short-lived workers, as with TOUYAN_WORKER_IDLE=0. The worker leaves when idle only if it can take that
lock itself, so it never goes while a refresh is attaching. A refresh that dies or gives up during a
call ends the worker (pipelines/runtime/workers.py, serve_calls); the next refresh starts a new one.
"""
from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import os
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from multiprocessing.connection import Connection
from pathlib import Path

from pipelines.config import PROJECT_ROOT, worker_environment
from pipelines.runtime.workers import Worker, prepare, serve_calls

START_TIMEOUT_S = 10.0


def private_folder(base: Path) -> Path | None:
    """`base` (Settings.runtime_dir), the private folder for sockets and locks, made if missing; None if
    it is not ours alone."""
    try:
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = base.stat()
    except OSError:
        return None
    return base if info.st_uid == os.getuid() and info.st_mode & 0o077 == 0 else None


def fingerprint(name: str, imports: tuple[str, ...], nice: int, environment: dict[str, str]) -> str:
    """What a worker's answers depend on; `environment`: the one it is started with."""
    digest = hashlib.sha256(repr((name, imports, nice, sys.executable, sys.version, os.getcwd(),
                                  sorted(environment.items()))).encode())
    for folder in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}:
        with contextlib.suppress(OSError):  # installed packages, by name and version (dist-info folders)
            digest.update("\n".join(sorted(os.listdir(folder))).encode())
    for path in sorted((PROJECT_ROOT / "pipelines").rglob("*.py")):  # this project's code
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def attach(name: str, imports: tuple[str, ...], nice: int, idle_seconds: int, runtime_dir: Path) -> Worker | None:
    """The resident worker for these imports in `runtime_dir`: the waiting one, or a new one started now.
    None when it is in use by another refresh or cannot be started (the caller then starts a worker of
    its own)."""
    folder = private_folder(runtime_dir)
    if folder is None:
        return None
    environment = worker_environment()
    stem = folder / f"{name}-{fingerprint(name, imports, nice, environment)}"
    lock = _lock_if_free(stem)
    if lock is None:  # another refresh is using it
        return None
    try:
        sock = _connect(f"{stem}.sock")
        if sock is not None and not _answers(sock):  # one that was dying as we connected (killed, say)
            sock.close()
            sock = None
        warm = sock is not None
        sock = sock or _start(stem, imports, nice, idle_seconds, environment)
    except OSError:
        sock = None
    if sock is None:
        os.close(lock)
        return None
    calls = Connection(os.dup(sock.fileno()), readable=False)
    replies = Connection(sock.detach(), writable=False)
    return Worker.attached(name, calls, replies, release=lambda: os.close(lock), warm=warm,
                           log=Path(f"{stem}.log"))


def _connect(path: str) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        with _socket_address(Path(path)) as address:
            sock.connect(address)
    except OSError:  # no such socket, or a worker that has gone (killed, rebooted)
        sock.close()
        return None
    return sock


# A socket's address holds at most 107 bytes (sun_path); a runtime folder deep in a home or a test's
# temporary folder is longer. Such a socket is then reached through its folder's descriptor.
_SUN_PATH_MAX = 107


@contextlib.contextmanager
def _socket_address(path: Path):
    """An address for bind or connect that names `path`: the path itself if it fits, else the same file
    through an open descriptor of its folder (/proc/self/fd/N/name), valid while the block runs."""
    if len(os.fsencode(path)) <= _SUN_PATH_MAX:
        yield str(path)
        return
    folder = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{folder}/{path.name}"
    finally:
        os.close(folder)


def _answers(sock: socket.socket, timeout_s: float = 5.0) -> bool:
    """An idle resident worker answers a call at once."""
    probe = Connection(os.dup(sock.fileno()))
    try:
        probe.send(("os:getpid", ()))
        return probe.poll(timeout_s) and probe.recv()[0] == "ok"
    except (OSError, EOFError):
        return False
    finally:
        probe.close()


def _start(stem: Path, imports: tuple[str, ...], nice: int, idle_seconds: int,
           environment: dict[str, str]) -> socket.socket | None:
    with open(f"{stem}.log", "wb") as log:  # what the worker prints (dbt and GX warnings) goes here
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.runtime.resident", str(stem), str(nice), str(idle_seconds), *imports],
            env=environment, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True)  # not in the refresh's process group: Ctrl-C there does not reach it
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        sock = _connect(f"{stem}.sock")
        if sock is not None:
            return sock
        time.sleep(0.02)
    with contextlib.suppress(OSError):
        process.kill()
    return None


def serve(stem: Path, nice: int, idle_seconds: int, imports: list[str]) -> None:
    """The resident worker: listen at once (a refresh may queue its first call during the imports),
    import, then serve one refresh at a time; leave after `idle_seconds` without one."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    path = Path(f"{stem}.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    staging = path.with_name(f".{path.name}.{os.getpid()}")
    staging.unlink(missing_ok=True)
    with _socket_address(staging) as address:
        listener.bind(address)
    listener.listen(8)
    os.replace(staging, path)  # replaces the socket of a worker that died, if any
    mine = path.stat().st_ino
    Path(f"{stem}.pid").write_text(str(os.getpid()))
    prepare(imports, nice)
    listener.settimeout(idle_seconds)
    while True:
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            if _lock_if_free(stem) is not None:  # held until this process exits
                break
            continue
        connection.setblocking(True)
        if _peer_uid(connection) != os.getuid():
            connection.close()
            continue
        calls = Connection(connection.detach())
        serve_calls(calls, calls)
        calls.close()
        _return_memory()
    with contextlib.suppress(OSError):
        if path.stat().st_ino == mine:
            path.unlink()


def stop_all(runtime_dir: Path) -> list[int]:
    """End every resident worker of `runtime_dir` (Settings.runtime_dir) not in use (`python -m pipelines
    stop-workers`); their pids."""
    folder = private_folder(runtime_dir)
    stopped = []
    for pid_file in sorted(folder.glob("*.pid")) if folder else []:
        stem = pid_file.with_suffix("")
        lock = _lock_if_free(stem)
        if lock is None:
            continue
        with contextlib.suppress(ValueError, OSError):
            pid = int(pid_file.read_text())
            if str(stem).encode() in Path(f"/proc/{pid}/cmdline").read_bytes():  # not a reused pid
                os.kill(pid, signal.SIGTERM)
                stopped.append(pid)
        for suffix in (".sock", ".pid"):
            Path(f"{stem}{suffix}").unlink(missing_ok=True)
        os.close(lock)
    return stopped


def _lock_if_free(stem: Path) -> int | None:
    """The worker's lock, taken, if no refresh holds it."""
    lock = os.open(f"{stem}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock)
        return None
    return lock


def _peer_uid(connection: socket.socket) -> int:
    creds = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)  # struct ucred: pid, uid, gid
    return int.from_bytes(creds[4:8], sys.byteorder)


def _return_memory() -> None:
    """Give the heap a refresh freed back to the system, so an idle worker holds what it needs only."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


if __name__ == "__main__":
    serve(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # as a worker: no interpreter shutdown (library threads, atexit handlers)
