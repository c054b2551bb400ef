"""Helpers shared by tests that drive the command as a separate process."""

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path


def kill_after_stored(command: list[str], store: Path, at_least: int, timeout: float = 240) -> dict[str, float]:
    """Start ``command`` in its own process group, wait until its results store
    holds ``at_least`` finished jobs, kill the group with SIGKILL (no chance to
    clean up), and return the finished jobs (job id -> finish time)."""
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline, done = time.time() + timeout, 0
    while time.time() < deadline and done < at_least:
        time.sleep(0.2)
        if store.exists():
            try:
                with sqlite3.connect(store) as db:
                    done = db.execute("SELECT count(*) FROM jobs WHERE status='done'").fetchone()[0]
            except sqlite3.OperationalError:
                pass
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return finished_jobs(store)


def finished_jobs(store: Path) -> dict[str, float]:
    with sqlite3.connect(store) as db:
        return dict(db.execute("SELECT job_id, finished FROM jobs WHERE status='done'").fetchall())
