"""A results folder is complete or absent.

A run writes into a hidden staging folder beside its output folder
(``.staging-<name>-<pid>-...``) and moves it into place only when everything,
the manifest last, is written. A kill, a full disk or an error leaves no folder
under the final name, only a staging folder, which the next run in the same
place removes once the process that made it is gone. A folder without
``manifest.json`` is therefore never a finished result (``migsim report``
refuses one).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

STAGING = ".staging-"
MANIFEST = "manifest.json"


@contextlib.contextmanager
def staged(out: Path) -> Iterator[Path]:
    """Yield a folder to write a result into; on success it becomes ``out``.

    If ``out`` already exists (a rerun into the same --out), the new files
    replace the old ones of the same name, the manifest last, so the folder
    is never a mix with a manifest that vouches for it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(out.parent)
    stage = Path(tempfile.mkdtemp(prefix=f"{STAGING}{out.name[:40]}-{os.getpid()}-", dir=out.parent))
    try:
        yield stage
        if not (stage / MANIFEST).exists():
            raise RuntimeError(f"{out}: a result was written without its {MANIFEST}")
        if not out.exists():
            os.chmod(stage, 0o777 & ~_umask())  # mkdtemp makes folders private; results are ordinary folders
            stage.rename(out)
            return
        (out / MANIFEST).unlink(missing_ok=True)  # the old manifest no longer vouches for the folder
        for item in sorted(stage.iterdir(), key=lambda p: p.name == MANIFEST):
            target = out / item.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(item, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def remove_stale(parent: Path) -> list[Path]:
    """Remove staging folders left in ``parent`` by processes that are gone."""
    removed = []
    for folder in parent.glob(f"{STAGING}*"):
        pid = _pid_of(folder.name)
        if folder.is_dir() and pid is not None and not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _pid_of(name: str) -> int | None:
    parts = name[len(STAGING) :].rsplit("-", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
