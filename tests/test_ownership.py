"""One owner per state array: the per-person arrays (and the few per-employer
arrays kept with them) are written only inside the module of the class that owns
them, through its verbs. Read by parsing every module of the package, so a stray
``model.papers.reg_until[slots] = ...`` anywhere else fails here."""

import ast
import inspect
from pathlib import Path

import pytest

import migsim
from migsim.agents.legal_center import LegalAid
from migsim.amnesty import AmnestyOffice
from migsim.people.beliefs import Beliefs
from migsim.people.home import HomeRegister
from migsim.people.jobs import Jobs
from migsim.people.money import Wallets
from migsim.people.papers import Papers
from migsim.people.population import Population
from migsim.people.records import PoliceRecords
from migsim.status import StatusBook

PACKAGE = Path(migsim.__file__).parent

# owner class -> arrays it owns besides its declared per-person FIELDS
OWNERS = {
    Population: {
        "pool",
        "completed_stays",
        "completed_stay_days",
        "ever_count",
        "ever_men",
        "ever_age_sum",
        "people_made",
        "forgotten",
        "_free",
    },
    HomeRegister: {"columns"},
    Papers: set(),
    Wallets: set(),
    Jobs: {"employed", "permits_used"},
    PoliceRecords: set(),
    Beliefs: set(),
    LegalAid: {"by_category", "by_centre"},
    AmnestyOffice: {"applications", "came_forward", "cards_issued"},
    StatusBook: {"status"},
}


def owned_names() -> dict[str, Path]:
    names: dict[str, Path] = {}
    for owner, extra in OWNERS.items():
        module = Path(inspect.getfile(owner))
        for name in set(getattr(owner, "FIELDS", {})) | extra:
            assert name not in names, f"{name} is declared by two owners"
            names[name] = module
    return names


def writes(tree: ast.AST):
    """(attribute name, line) of every write to ``<something>.<name>[...]`` or to
    ``<not self>.<name>``."""
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        while targets:
            t = targets.pop()
            if isinstance(t, (ast.Tuple, ast.List)):
                targets.extend(t.elts)
            elif isinstance(t, ast.Starred):
                targets.append(t.value)
            elif isinstance(t, ast.Subscript) and isinstance(t.value, ast.Attribute):
                yield t.value.attr, t.lineno
            elif isinstance(t, ast.Attribute) and not (isinstance(t.value, ast.Name) and t.value.id == "self"):
                yield t.attr, t.lineno


def test_every_owned_array_is_written_only_by_its_owner():
    names = owned_names()
    assert len(names) > 25  # the check covers the books, not an empty list
    stray = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name, line in writes(tree):
            if name in names and path != names[name]:
                stray.append(f"{path.relative_to(PACKAGE.parent)}:{line} writes {name} (owned by {names[name].name})")
    assert not stray, "\n".join(stray)


@pytest.mark.parametrize(
    "snippet", ["model.papers.reg_until[slots] = 0", "jobs.employed += 1", "x.status[s] = 3", "model.amnesty.applications = q"]
)
def test_the_check_catches_a_stray_write(snippet):
    names = owned_names()
    assert any(name in names for name, _ in writes(ast.parse(snippet)))
