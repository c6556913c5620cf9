"""Worker processes that die with their parent, and pools that stop at once on a failure.

A pool worker whose parent was killed (``kill -9``) would otherwise wait for work forever, or
go on running the tasks already queued and writing nothing anyone reads. Each worker starts
a watcher thread that ends it when the parent is gone, and ignores Ctrl-C, which the
terminal sends to the whole process group: the parent alone reports the interruption.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor


def exit_with(parent: int, interval: float = 0.5) -> None:
    """Pool-worker initializer: end this worker when process ``parent`` is gone.

    Args:
        parent: The process id of the command that started the pool.
        interval: Seconds between checks.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            time.sleep(interval)
            try:
                os.kill(parent, 0)
            except (ProcessLookupError, PermissionError):  # gone, or the pid was reused
                os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel queued work and end the pool's processes now (on an error or Ctrl-C)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(5)
