"""A results folder is complete or absent.

A run writes into a hidden staging folder beside its output folder
(``.staging-<name>-<pid>-...``) and moves it into place only when everything,
the manifest last, is written. A kill, a full disk or an error leaves no folder
under the final name, only a staging folder, which the next run in the same
place removes once the process that made it is gone (it holds a lock on the
folder's ``.owner`` file while it lives, which works across hosts and
containers sharing the folder). A folder without ``manifest.json`` is therefore
never a finished result (``migsim report`` refuses one). Each file in it is
written whole too (``write_atomic``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

STAGING = ".staging-"
MANIFEST = "manifest.json"
OWNER = ".owner"
STORE = "results.sqlite"  # an experiment's store, kept across reruns (it is how they resume)
UMASK = os.umask(0)  # read once (it can only be read by setting it): results get the user's usual modes
os.umask(UMASK)


def replaceable(out: Path) -> bool:
    """Whether a results folder may be replaced by a new result: it does not
    exist, is empty, is a migsim result (has a manifest), or holds only a results
    store (an interrupted comparison). Never a folder of other files."""
    if not out.exists():
        return True
    names = [p.name for p in out.iterdir()]
    return not names or MANIFEST in names or all(n.startswith(STORE) for n in names)


@contextlib.contextmanager
def staged(out: Path) -> Iterator[Path]:
    """Yield a folder to write a result into; on success it becomes ``out``.

    An existing ``out`` (a rerun into the same --out) is replaced whole, so no
    file of the old result stays beside the new manifest; its results store, if
    any, is carried over."""
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(out.parent)
    stage = Path(tempfile.mkdtemp(prefix=f"{STAGING}{out.name[:40]}-{os.getpid()}-", dir=out.parent))
    owner = os.open(stage / OWNER, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(owner, fcntl.LOCK_EX)  # alive while this process is
    aside = None
    try:
        yield stage
        if not (stage / MANIFEST).exists():
            raise RuntimeError(f"{out}: a result was written without its {MANIFEST}")
        (stage / OWNER).unlink()
        os.chmod(stage, 0o777 & ~UMASK)  # mkdtemp makes folders private; results are ordinary folders
        if out.exists():
            for store in out.glob(f"{STORE}*"):
                os.replace(store, stage / store.name)
            aside = out.with_name(stage.name + "-old")
            out.rename(aside)
        stage.rename(out)
    finally:
        os.close(owner)
        shutil.rmtree(stage, ignore_errors=True)
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)


def remove_stale(parent: Path, older_than_s: float = 86400.0) -> list[Path]:
    """Remove staging folders in ``parent`` whose process is gone (its lock on
    ``.owner`` is free), and any without an owner file older than a day."""
    removed = []
    for folder in parent.glob(f"{STAGING}*"):
        if not folder.is_dir():
            continue
        try:
            fd = os.open(folder / OWNER, os.O_RDWR)
        except FileNotFoundError:
            stale = time.time() - folder.stat().st_mtime > older_than_s
        else:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                stale = True
            except BlockingIOError:
                stale = False
            finally:
                os.close(fd)
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def write_atomic(path: Path, write, binary: bool = False) -> None:
    """Write to a temporary file beside ``path`` and rename it into place, so a
    reader never sees a half-written file and an old result stays whole until
    the new one is complete."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8", newline=None if binary else "") as f:
            write(f)
        os.chmod(tmp, 0o666 & ~UMASK)  # mkstemp makes files private; results are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
