"""The worked example of docs/ema_workbench.md: an EMA Workbench study of the 2009
deportation drive. 50 states of the world (the calibration's accepted draws and
every assumption's plausible range) x 4 drives (the crackdown's levers within their
stated ranges), one run each at agent scale 20, on every core; then PRIM: under
which conditions does the drive keep the peak of irregular migrants low?

    .venv/bin/pip install -e ".[ema]"
    .venv/bin/python experiments/ema_example.py [--scenarios 50] [--policies 4] [--scale 20]
    .venv/bin/python experiments/ema_example.py --load results/ema_crackdown_2009.tar.gz   # PRIM again, no runs

The runs are saved (EMA's own format) in results/ema_crackdown_2009.tar.gz.
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore", message="ipyparallel not installed")

from ema_workbench import MultiprocessingEvaluator, load_results, save_results
from ema_workbench.analysis import feature_scoring, prim

from migsim.experiments.ema import ema_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", type=int, default=50, help="states of the world drawn (Latin hypercube)")
    parser.add_argument("--policies", type=int, default=4, help="drives drawn (Latin hypercube over the levers)")
    parser.add_argument("--scale", type=int, default=20, help="agent scale: one agent = K people")
    parser.add_argument("--load", type=Path, default=None, help="analyse saved runs instead of running")
    args = parser.parse_args()

    if args.load:
        experiments, outcomes = load_results(args.load)
    else:
        outcomes_wanted = ["peak_irregular", "season_mean_irregular", "total_deportations"]
        model = ema_model("crackdown_2009", scale=args.scale, outcomes=outcomes_wanted)
        levers = ", ".join(lever.name for lever in model.levers)
        print(f"{len(model.uncertainties)} uncertainties, {len(model.levers)} levers: {levers}")
        clock = time.perf_counter()
        with MultiprocessingEvaluator(model) as evaluator:
            experiments, outcomes = evaluator.perform_experiments(
                scenarios=args.scenarios,
                policies=args.policies,
                uncertainty_sampling_kwargs={"rng": 1},  # seeded: the same study every time
                lever_sampling_kwargs={"rng": 2},
            )
        wall = time.perf_counter() - clock
        print(f"{len(experiments)} runs in {wall:.0f} s ({wall / len(experiments):.2f} s a run, wall, on every core)")
        Path("results").mkdir(exist_ok=True)
        save_results((experiments, outcomes), Path("results") / "ema_crackdown_2009.tar.gz")

    peak = outcomes["peak_irregular"]
    print(f"peak irregular: median {np.median(peak):,.0f}, range {peak.min():,.0f}-{peak.max():,.0f}")
    inputs = experiments.drop(columns=["scenario", "policy", "model"])
    # whole-number inputs as floats: EMA 3.0's PRIM pastes fractional limits into integer columns, which pandas refuses
    inputs = inputs.astype({c: float for c in inputs.columns if inputs[c].dtype.kind == "i"})

    # which inputs move the peak most (extra-trees feature scores), then PRIM over the strongest four: with
    # 84 inputs and 200 runs, PRIM over all of them peels on noise
    scores = feature_scoring.get_feature_scores_all(inputs, {"peak_irregular": peak}, random_state=0)["peak_irregular"]
    scores = scores.sort_values(ascending=False)
    print("feature scores for the peak (share of the explained variation):")
    print(scores.head(8).round(3).to_string())
    low = peak <= np.quantile(peak, 0.25)  # the lowest quarter of peaks: the drive "works"
    box = prim.Prim(inputs[scores.index[:4]], low).find_box()
    trajectory = box.peeling_trajectory
    dense = trajectory.index[trajectory["density"] >= 0.8]  # the widest box whose runs are 80% low-peak
    box.select(int(dense[0]) if len(dense) else len(trajectory) - 1)
    stats, limits = box.inspect(style="data")[0]
    print(f"lowest quarter of peaks: {int(low.sum())} runs, peak at most {np.quantile(peak, 0.25):,.0f}")
    print(f"PRIM box: coverage {stats['coverage']:.2f}, density {stats['density']:.2f}, {stats['n']:.0f} runs in it")
    with pd.option_context("display.width", 200, "display.max_columns", 10):
        print(limits.round(4).to_string())


if __name__ == "__main__":
    main()
