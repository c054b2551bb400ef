"""The results store of an experiment: one SQLite file, one row per job.

Why SQLite: a single file beside the experiment's outputs, in the standard
library, and transactional: each finished job is committed at once, so killing the
client (Ctrl-C or ``kill -9``) loses no finished job, and a rerun skips what is
done. Only the client process writes; workers return results to it.
"""

from __future__ import annotations

import json
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


class ResultStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None)  # autocommit: each write is durable at once
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def done_ids(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT job_id FROM jobs WHERE status = 'done'")}

    def record(self, job_id: str, position: int, parameters: dict, seed: int, scale: int,
               outcomes: dict[str, float] | None, error: str | None, wall: float) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (job_id, position, json.dumps(parameters, sort_keys=True), seed, scale,
             "failed" if error else "done", None if outcomes is None else json.dumps(outcomes, sort_keys=True),
             error, wall, time.time()),
        )

    def rows(self, status: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT job_id, position, parameters, seed, scale, status, outcomes, error, wall_seconds FROM jobs"
        args: tuple = ()
        if status:
            query += " WHERE status = ?"
            args = (status,)
        out = []
        for job_id, position, params, seed, scale, st, outcomes, error, wall in self.db.execute(query + " ORDER BY position", args):
            out.append({"job_id": job_id, "position": position, "parameters": json.loads(params), "seed": seed,
                        "scale": scale, "status": st, "outcomes": json.loads(outcomes) if outcomes else None,
                        "error": error, "wall_seconds": wall})
        return out

    def close(self) -> None:
        self.db.close()
