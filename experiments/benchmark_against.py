"""Benchmark: this working tree against an earlier commit, measured in one run.

These machines are shared, and a year's seconds vary by 20-40% from run to run,
so a speed change is judged by a ratio measured in one session: fresh processes
of the two versions alternate, each simulating the same full-scale year (the
baseline, seed 1), and the script prints each version's CPU seconds of the
simulation (not of building the world) and the ratio of the medians.

With ``--instructions`` it also counts the instructions each version executes
under valgrind's callgrind (about 100 times slower: several minutes a version at
full scale; the two run at once). The count does not depend on what else the
machine is doing, so its ratio is the steady figure; it counts the imports and the
building of the world too, which a second, build-only run of each version takes
out.

    .venv/bin/python experiments/benchmark_against.py REV [--repeat 5] [--scale 1] [--instructions]

REV is any git revision (a commit, a tag, HEAD~3). The commit is checked out into
a temporary folder and imported from there (as ``migsim``, or as ``sim`` for
versions before the rename), so nothing needs installing.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# One year in a fresh process, the package imported from a source tree by path.
CHILD = r"""
import importlib.util, sys, time
root, name, scale, run = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "run"
spec = importlib.util.spec_from_file_location(name, f"{root}/sim/__init__.py", submodule_search_locations=[f"{root}/sim"])
package = importlib.util.module_from_spec(spec)
sys.modules[name] = package
spec.loader.exec_module(package)
model = package.MigrationModel(scale=scale, rng=1)
start = time.process_time()
if run:
    model.run()
print(time.process_time() - start)
"""


def import_name(root: Path) -> str:
    """``migsim``, or ``sim`` for versions whose modules import themselves as ``sim``."""
    return "migsim" if re.search(r"^from migsim\b", (root / "sim" / "model.py").read_text(), re.MULTILINE) else "sim"


def cpu_seconds(root: Path, scale: int) -> float:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), import_name(root), str(scale), "run"],
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    if out.returncode:
        sys.exit(f"benchmark_against: the run in {root} failed:\n{out.stderr[-2000:]}")
    return float(out.stdout.split()[-1])


def instructions(root: Path, scale: int, run: bool) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={tmp}/callgrind.out",
                sys.executable,
                "-c",
                CHILD,
                str(root),
                import_name(root),
                str(scale),
                "run" if run else "build",
            ],
            capture_output=True,
            text=True,
            cwd=root,
            check=False,
        )
    found = re.search(r"Collected : (\d+)", out.stderr)
    if out.returncode or not found:
        sys.exit(f"benchmark_against: callgrind in {root} failed:\n{out.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rev", help="the git revision to compare against (commit, tag, HEAD~3)")
    parser.add_argument("--repeat", type=int, default=5, help="fresh-process runs of each version (default 5)")
    parser.add_argument("--scale", type=int, default=1, help="agent scale (default 1: one agent a person)")
    parser.add_argument("--instructions", action="store_true", help="also count instructions under callgrind")
    args = parser.parse_args()
    if args.instructions and shutil.which("valgrind") is None:
        sys.exit("benchmark_against: --instructions needs valgrind (apt-get install -y valgrind)")
    with tempfile.TemporaryDirectory() as tmp:
        earlier = Path(tmp) / "earlier"
        checkout = subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(earlier), args.rev],
            capture_output=True,
            text=True,
            check=False,
        )
        if checkout.returncode:
            sys.exit(f"benchmark_against: cannot check out {args.rev!r}: {checkout.stderr.strip()}")
        try:
            trees = {args.rev: earlier, "this tree": REPO}
            seconds: dict[str, list[float]] = {name: [] for name in trees}
            for i in range(args.repeat):
                for name, root in trees.items():
                    seconds[name].append(cpu_seconds(root, args.scale))
                print(f"round {i + 1}/{args.repeat}: " + ", ".join(f"{n} {s[-1]:.2f} s" for n, s in seconds.items()))
            for name, values in seconds.items():
                print(f"{name}: median {statistics.median(values):.2f} s, min {min(values):.2f} s (CPU seconds a year)")
            ratio = statistics.median(seconds["this tree"]) / statistics.median(seconds[args.rev])
            print(
                f"this tree / {args.rev}: {ratio:.3f} (medians), {min(seconds['this tree']) / min(seconds[args.rev]):.3f} (minima)"
            )
            if args.instructions:
                print("counting instructions under callgrind (several minutes)...", flush=True)
                jobs = [(root, run) for root in trees.values() for run in (True, False)]
                with ThreadPoolExecutor(max_workers=2) as pool:
                    counts = list(pool.map(lambda job: instructions(job[0], args.scale, job[1]), jobs))
                year = {name: counts[2 * i] - counts[2 * i + 1] for i, name in enumerate(trees)}
                for name, n in year.items():
                    print(f"{name}: {n / 1e9:.2f} billion instructions a year")
                print(f"this tree / {args.rev}: {year['this tree'] / year[args.rev]:.3f} (instructions)")
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(earlier)], capture_output=True, check=False
            )


if __name__ == "__main__":
    main()
