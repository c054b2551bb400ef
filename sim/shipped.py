"""The scenario and experiment files that come with migsim, installed with the
package (``sim/scenarios/`` and ``sim/experiments/definitions/``): listed with
what each is, and copied out for a user to edit.

Every command and ``MigrationModel`` finds a shipped file by its name
(``crackdown_2009``), so they work from any folder; a copy is an ordinary file,
found by its path, and what it ``extends`` is found next to it or else among the
shipped scenarios.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from migsim.output import write_atomic
from migsim.scenario import SHIPPED, ScenarioError, read_toml


@dataclass(frozen=True)
class ShippedFile:
    kind: str  # scenario | experiment
    name: str  # what commands take: migsim run NAME
    path: Path
    based_on: str  # what it extends (a scenario) or runs (an experiment); "" for the baseline
    description: str
    command: str  # the migsim command that runs it


def listing() -> list[ShippedFile]:
    """Every shipped file, scenarios first, each kind by name."""
    files = []
    for kind, folder in SHIPPED.items():  # kind -> the folder it is shipped in
        for path in sorted(folder.glob("*.toml")):
            tree = read_toml(path, kind)
            based_on = tree.get("extends", "") if kind == "scenario" else tree.get("scenario", "")
            description = " ".join(str(tree.get("description", "")).split())
            files.append(ShippedFile(kind, path.stem, path, str(based_on).removesuffix(".toml"), description, _command(tree)))
    return files


def _command(tree: dict) -> str:
    """The command a shipped file is for: run for a scenario; for an experiment, the one its design takes."""
    if "design" not in tree:
        return "run"
    if "calibration" in tree:
        return "calibrate"
    return "sensitivity" if tree["design"].get("kind") in ("morris", "sobol") else "sweep"


def locate(name: str) -> ShippedFile:
    """A shipped scenario or experiment by its name (with or without .toml)."""
    files = {f.name: f for f in listing()}  # names are unique across kinds (tests/test_shipped.py)
    stem = name.removesuffix(".toml")
    if stem in files:
        return files[stem]
    close = difflib.get_close_matches(stem, list(files), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ScenarioError(f"{name}: no shipped scenario or experiment of that name{hint} (`migsim scenarios` lists them)")


def copy_out(name: str, folder: Path, replace: bool = False) -> Path:
    """Copy the shipped file ``name`` into ``folder`` (made if missing) under its
    own file name; an existing file there is kept unless ``replace``."""
    source = locate(name)
    target = folder / source.path.name
    try:
        if folder.exists() and not folder.is_dir():
            raise ScenarioError(f"{folder}: exists and is not a folder; give the folder to copy {name} into")
        if target.is_dir():
            raise ScenarioError(f"{target}: is a folder; give another folder to copy {name} into")
        if target.exists() and not replace:
            raise ScenarioError(f"{target}: exists; give --force to replace it, or another folder")
        folder.mkdir(parents=True, exist_ok=True)
    except ValueError as exc:  # a NUL in the name: no system takes it
        raise ScenarioError(f"{folder!r}: not a usable folder name ({exc})") from None
    write_atomic(target, lambda f: f.write(source.path.read_bytes()), binary=True)
    return target
