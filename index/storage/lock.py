"""One writer at a time per index directory: an advisory lock on ``write.lock``.

The lock is ``flock(2)`` on a file in the index folder. The kernel drops it
when the holding process ends, however it ends (SIGKILL included), so a
crashed writer never leaves a stale lock behind. While held, the file names
the holder (PID, command, start time) so that a second writer is told who
to wait for. Readers never take it. Threads of one process share a lock
object and take turns (it is reentrant within a thread).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index.errors import IndexLockedError

LOCK_FILE = "write.lock"
_POLL_SECONDS = 0.05


class WriterLock:
    """The writer lock of one index directory (see the module docstring)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / LOCK_FILE
        self._mutex = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @contextmanager
    def hold(self, timeout: float = 0.0) -> Iterator[None]:
        """Hold the lock for the block, waiting up to ``timeout`` seconds for it."""
        self.acquire(timeout)
        try:
            yield
        finally:
            self.release()

    @property
    def held(self) -> bool:
        """Whether this process holds the lock (through this object)."""
        return self._fd is not None

    def acquire(self, timeout: float = 0.0, *, wait_for_threads: bool = True) -> None:
        """Take the lock, or raise :class:`IndexLockedError` when another process
        still holds it after ``timeout`` seconds. Threads of this process take
        turns: by default one waits for another however long that takes."""
        if not self._mutex.acquire(blocking=wait_for_threads):
            raise IndexLockedError(self._message(_holder(self.path)))
        deadline = time.monotonic() + max(timeout, 0.0)
        try:
            if self._depth == 0:
                self._fd = self._lock_file(deadline)
            self._depth += 1
        except BaseException:
            self._mutex.release()
            raise

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; never waits, never raises for a busy lock."""
        try:
            self.acquire(0.0, wait_for_threads=False)
        except (IndexLockedError, OSError):
            return False
        return True

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the descriptor releases the flock
        self._mutex.release()

    def _lock_file(self, deadline: float) -> int:
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise IndexLockedError(self._message(_holder(self.path))) from None
                    time.sleep(_POLL_SECONDS)
            info = {"pid": os.getpid(), "command": _command(), "since": time.strftime("%Y-%m-%d %H:%M:%S")}
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _message(self, holder: dict[str, object]) -> str:
        pid = holder.get("pid")
        who = f"PID {pid}" if pid else "another process"
        details = ["this process, another writer"] if pid == os.getpid() else []
        details += [str(holder["command"])] if holder.get("command") else []
        details += [f"writing since {holder['since']}"] if holder.get("since") else []
        if details:
            who += " (" + " ".join(", ".join(details).split()) + ")"
        return (
            f"the index at {self.directory} is locked by {who}, which is adding or removing "
            "articles; wait for it to finish and run this again (readers keep working meanwhile)"
        )


def _command() -> str:
    """How this process was started, shortly: ``qa ingest news/ --index i``, ``python -c ...``."""
    argv = list(sys.argv) or ["python"]
    prog = Path(argv[0]).name
    prog = "qa" if prog in ("qa", "cli.py", "__main__.py") else "python -c" if prog == "-c" else prog
    return " ".join([prog, *argv[1:]])[:200]


def _holder(path: Path) -> dict[str, object]:
    """Who holds the lock, as its holder wrote it (may be empty while it is being written)."""
    for _ in range(3):
        try:
            data = json.loads(path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict) and data.get("pid"):
            return data
        time.sleep(0.01)
    return {}
