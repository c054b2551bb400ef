"""The results store of an experiment: one SQLite file, one row per job.

Why SQLite: a single file beside the experiment's outputs, in the standard
library, and transactional: each finished job is committed at once, so killing the
client (Ctrl-C or ``kill -9``) loses no finished job, and a rerun skips what is
done. Only the client process writes; workers return results to it.

One writer at a time: a process that runs jobs into a store holds a lock on
``<store>.lock`` (released by the system when the process ends, however it
ends), and a second one gets StoreInUse naming the first one's PID, before it
runs anything. Reading a store needs no lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,      -- hash of what defines the job (scenario file content, overrides, seed, scale)
    position INTEGER NOT NULL,    -- order in the experiment's job list
    parameters TEXT NOT NULL,     -- JSON: the varied parameters
    seed INTEGER NOT NULL,
    scale INTEGER NOT NULL,
    status TEXT NOT NULL,         -- 'done' or 'failed'
    outcomes TEXT,                -- JSON: outcome name -> number (done jobs)
    error TEXT,                   -- the exception, for failed jobs
    wall_seconds REAL,
    finished REAL                 -- unix time
);
"""


class StoreInUse(Exception):
    """Another process is running jobs into this store; the message is one line."""


class ResultStore:
    def __init__(self, path: Path, writer: bool = False):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = self._take_lock() if writer else None
        self.db = sqlite3.connect(self.path, isolation_level=None)  # autocommit: each write is durable at once
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def done_ids(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT job_id FROM jobs WHERE status = 'done'")}

    def record(
        self,
        job_id: str,
        position: int,
        parameters: dict,
        seed: int,
        scale: int,
        outcomes: dict[str, float] | None,
        error: str | None,
        wall: float,
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                job_id,
                position,
                json.dumps(parameters, sort_keys=True),
                seed,
                scale,
                "failed" if error else "done",
                None if outcomes is None else json.dumps(outcomes, sort_keys=True),
                error,
                wall,
                time.time(),
            ),
        )

    def rows(self, status: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT job_id, position, parameters, seed, scale, status, outcomes, error, wall_seconds FROM jobs"
        args: tuple = ()
        if status:
            query += " WHERE status = ?"
            args = (status,)
        out = []
        for job_id, position, params, seed, scale, st, outcomes, error, wall in self.db.execute(
            query + " ORDER BY position", args
        ):
            out.append(
                {
                    "job_id": job_id,
                    "position": position,
                    "parameters": json.loads(params),
                    "seed": seed,
                    "scale": scale,
                    "status": st,
                    "outcomes": json.loads(outcomes) if outcomes else None,
                    "error": error,
                    "wall_seconds": wall,
                }
            )
        return out

    def close(self) -> None:
        self.db.close()
        if self._lock is not None:
            os.close(self._lock)  # and with it the lock
            self._lock = None

    def _take_lock(self) -> int:
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise StoreInUse(
                f"{self.path}: in use by PID {holder} (another run on the same --out); wait for it to finish, or use another --out"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return fd
