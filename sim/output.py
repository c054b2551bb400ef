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

The manifest says what kind of result a folder holds (``KINDS``), what made it
(scenario, seeds, scale, versions, the command) and when; ``migsim report``
reads the kind from it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from migsim import __version__

if TYPE_CHECKING:
    import pandas as pd

STAGING = ".staging-"
MANIFEST = "manifest.json"
OWNER = ".owner"
STORE = "results.sqlite"  # an experiment's store, kept across reruns (it is how they resume)
KINDS = ("run", "replications", "compare", "sweep", "sensitivity", "calibrate")  # what a results folder can hold
UMASK = os.umask(0)  # read once (it can only be read by setting it): results get the user's usual modes
os.umask(UMASK)


STAGED_KINDS = ("run", "replications", "compare")  # results written whole, which a new result may replace whole


def replaceable(out: Path) -> bool:
    """Whether a results folder may be replaced whole by a new run or comparison: it
    does not exist, is empty, is a finished run or comparison (its manifest says
    so), or holds only a results store (an interrupted comparison). Never a folder
    of other files, nor an experiment's folder (a sweep's files sit beside its
    manifest, and replacing it would lose them)."""
    if not out.exists():
        return True
    names = [p.name for p in out.iterdir()]
    if not names or all(n.startswith(STORE) for n in names):
        return True
    if MANIFEST not in names:
        return False
    try:
        kind = json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("kind", "run")
    except (OSError, UnicodeDecodeError, ValueError, AttributeError):
        return False
    return kind in STAGED_KINDS  # a manifest without a kind is an older migsim's run or comparison


def experiment_folder_usable(out: Path) -> bool:
    """Whether an experiment may write into ``out``: new, empty, or an experiment's
    folder already (it holds the results store the experiment resumes from)."""
    if not out.exists():
        return True
    return out.is_dir() and (not any(out.iterdir()) or (out / STORE).exists())


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


def write_json(path: Path, data) -> None:
    write_atomic(path, lambda f: f.write(json.dumps(data, indent=2) + "\n"))


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    write_atomic(path, lambda f: frame.to_csv(f, index=False, lineterminator="\n"))


def write_run(folder: Path, timeseries: pd.DataFrame, summary: dict) -> None:
    """One run's files: its daily time series and its summary."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "timeseries.csv", timeseries)
    write_json(folder / "summary.json", summary)


def write_manifest(folder: Path, kind: str, scale: int, started: dt.datetime, wall: float, **fields) -> None:
    """The manifest, written last: the kind of result, what made it (``fields``:
    scenario, seeds, ...), the versions, the time and the command."""
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r}: expected one of {', '.join(KINDS)}")
    manifest = {
        "kind": kind,
        **fields,
        "scale": scale,
        "migsim_version": __version__,
        "mesa_version": _version("mesa"),
        "numpy_version": _version("numpy"),
        "python_version": platform.python_version(),
        "started": started.isoformat(timespec="seconds"),
        "wall_seconds": round(wall, 3),
        "command": " ".join(["migsim", *sys.argv[1:]]) if sys.argv else "migsim",
    }
    write_json(folder / MANIFEST, manifest)


def read_manifest(folder: Path) -> dict:
    """A finished result's manifest; ValueError says why a folder is not one."""
    path = folder / MANIFEST
    if not path.is_file():
        raise ValueError(f"{folder}: no {MANIFEST}: not a finished migsim result (an interrupted write, or another folder)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable manifest ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("kind") not in KINDS:
        raise ValueError(
            f"{path}: kind: expected one of {', '.join(KINDS)} (a result written before manifests said their kind: "
            "run the command again)"
        )
    return manifest


def default_out_dir(*parts: str) -> Path:
    """results/<parts>/<UTC timestamp>/, a new folder even for two runs in one second."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path("results", *parts, stamp)
    n = 1
    while out.exists():
        n += 1
        out = Path("results", *parts, f"{stamp}-{n}")
    return out


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"
