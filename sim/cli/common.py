"""What the commands share: the options run and compare take, the backend
options, their checks, and running many jobs with a progress bar."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from migsim.output import default_out_dir, replaceable, write_csv
from migsim.scenario import file_sha256

DEFAULT_SEED = 20080101
SCHEDULER = re.compile(r"^(tcp|tls)://[A-Za-z0-9_.\-\[\]:]+:\d{1,5}/?$")


class UsageError(Exception):
    """Bad input the user can fix: reported in one line, exit code 2."""


class HelpWithDefaults(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default, unless it has none (its help says what happens)."""

    def _get_help_string(self, action):
        return action.help if action.default is None else super()._get_help_string(action)


def scenario_fields(path: Path, scenario, reference=None) -> dict:
    """What a manifest says of a scenario; against a ``reference`` scenario, also
    the parameters it sets differently (for reports)."""
    fields = {
        "scenario": str(path),
        "scenario_name": scenario.name,
        "scenario_sha256": file_sha256(path),
        "start_date": scenario.run.start_date.isoformat(),
        "end_date": scenario.run.end_date.isoformat(),
        "description": " ".join(scenario.description.split()),
        "events": [event.describe() for event in scenario.events],
    }
    if reference is not None:
        base = reference.flat()
        fields["differs_from_reference"] = {k: v for k, v in scenario.flat().items() if base.get(k) != v}
    return fields


def add_run_options(
    parser: argparse.ArgumentParser, replications: int | None, seed_help: str, out_default: str, replications_help: str
) -> None:
    """The options run and compare share."""
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=seed_help)
    parser.add_argument("--out", type=Path, default=None, metavar="DIR", help=f"output folder (default: {out_default})")
    parser.add_argument(
        "--scale",
        type=int,
        default=1,
        metavar="K",
        help="agent scale: one agent stands for K people (faster, coarser; counts stay in people)",
    )
    parser.add_argument("--replications", type=int, default=replications, metavar="R", help=replications_help)
    parser.add_argument("--workers", type=int, default=None, metavar="W", help="parallel processes (default: all cores)")


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    """Where the runs go: --backend, --scheduler, and for a cluster beyond one
    trusted network tls:// with certificates (plain tcp:// trusts everyone who can
    reach the scheduler's port)."""
    parser.add_argument(
        "--backend",
        choices=("local", "dask", "inprocess"),
        default="local",
        help="local: a process pool on this machine; dask: a Dask cluster (--scheduler, or a local one); inprocess: no parallelism",
    )
    parser.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (dask backend)"
    )
    for option, what in (
        ("--tls-ca", "the certificate authority that signed the cluster's certificates"),
        ("--tls-cert", "this client's certificate"),
        ("--tls-key", "this client's private key"),
    ):
        parser.add_argument(
            option, type=Path, default=None, metavar="FILE", help=f"{what} (PEM), for a --scheduler tls://... address"
        )


def check_common(args: argparse.Namespace) -> None:
    if args.scale < 1:
        raise UsageError(f"--scale: expected a whole number >= 1, got {args.scale}")
    if args.replications is not None and args.replications < 1:
        raise UsageError(f"--replications: expected a whole number >= 1, got {args.replications}")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers: expected a whole number >= 1, got {args.workers}")
    last_seed = args.seed + max(args.replications or 1, 1) - 1  # seeds follow one another
    if not 0 <= args.seed or last_seed >= 2**63:
        raise UsageError(f"--seed: expected a whole number from 0 to 2**63-1 (with the replications after it), got {args.seed}")


def check_scheduler(args: argparse.Namespace) -> dict[str, str] | None:
    """The --scheduler address checked; the client's TLS files for a tls:// one."""
    scheduler = getattr(args, "scheduler", None)
    if scheduler and not SCHEDULER.match(scheduler):
        raise UsageError(f"--scheduler {scheduler!r}: expected an address such as tcp://10.0.0.5:8786 (tcp:// or tls://)")
    return _tls(args)


def _tls(args: argparse.Namespace) -> dict[str, str] | None:
    """The client's TLS files, checked; None for a tcp:// scheduler."""
    files = {"ca": getattr(args, "tls_ca", None), "cert": getattr(args, "tls_cert", None), "key": getattr(args, "tls_key", None)}
    scheduler = getattr(args, "scheduler", None) or ""
    if not any(files.values()) and not scheduler.startswith("tls://"):
        return None
    if not scheduler.startswith("tls://"):
        raise UsageError("--tls-ca/--tls-cert/--tls-key: only with a --scheduler tls://... address")
    for name, path in files.items():
        if path is None:
            raise UsageError(
                f"--scheduler {scheduler}: a tls:// address needs --tls-ca, --tls-cert and --tls-key (missing --tls-{name})"
            )
        if not path.is_file():
            raise UsageError(f"--tls-{name} {path}: no such file")
    return {name: str(path) for name, path in files.items()}


def out_dir(args: argparse.Namespace, *parts: str) -> Path:
    """--out, or results/<parts>/<timestamp>/: checked before simulating, not found out after it."""
    out = args.out or default_out_dir(*parts)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a folder")
    # the result is staged beside the folder
    nearest = next(p for p in (out.parent, *out.parent.parents) if p.exists())
    if not nearest.is_dir() or not os.access(nearest, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: cannot write in {nearest}")
    if not replaceable(out):
        raise UsageError(f"--out {out}: holds other files (not a migsim result); give a new or empty folder")
    return out


def seeds(args: argparse.Namespace) -> list[int]:
    return [args.seed + i for i in range(args.replications)]


def scale_note(args: argparse.Namespace) -> str:
    return "" if args.scale == 1 else f", 1 agent = {args.scale} people"


def run_all(jobs, args: argparse.Namespace, desc: str):
    """Run jobs in parallel with a progress bar; interrupting leaves nothing half-written."""
    from tqdm import tqdm

    from migsim.experiments.runner import run_jobs

    tls = check_scheduler(args)
    with tqdm(total=len(jobs), desc=desc, unit="run", file=sys.stderr, disable=None) as bar:
        return run_jobs(
            jobs,
            workers=args.workers,
            on_done=lambda r: bar.update(1),
            backend=getattr(args, "backend", "local"),
            scheduler=getattr(args, "scheduler", None),
            tls=tls,
        )


def run_stored(jobs: list, out: Path, args: argparse.Namespace, desc: str) -> dict[str, int]:
    """Run the jobs not yet in DIR/results.sqlite on the chosen backend, storing each
    as it finishes; an interruption keeps what finished and says how to resume."""
    from migsim.experiments.backends import BackendError
    from migsim.experiments.runner import run_experiment

    tls = check_scheduler(args)
    store_path = out / "results.sqlite"
    made = [p for p in (out, store_path) if not p.exists()]  # what this command creates
    try:
        return run_experiment(jobs, store_path, args.backend, args.workers, args.scheduler, desc=desc, tls=tls)
    except KeyboardInterrupt:
        print(
            f"migsim: interrupted; every finished run is saved in {store_path}: run the same command with --out {out} to resume",
            file=sys.stderr,
        )
        raise SystemExit(130) from None
    except BackendError as exc:
        if store_path in made:  # nothing ran: leave nothing behind
            for leftover in (store_path, *(store_path.with_name(store_path.name + end) for end in ("-wal", "-shm", ".lock"))):
                leftover.unlink(missing_ok=True)
            if out in made and not any(out.iterdir()):
                out.rmdir()
        raise UsageError(str(exc)) from None


def write_failures(out: Path) -> int:
    """failures.csv beside the store, when jobs failed; how many did."""
    from migsim.experiments.analysis import failures

    failed = failures(out / "results.sqlite")
    if len(failed):
        write_csv(out / "failures.csv", failed)
        print(f"{len(failed)} jobs failed; their errors are in {out / 'failures.csv'}", file=sys.stderr)
    return len(failed)
