"""Benchmark of the classroom app (issue 5) in headless Chromium, and the
screenshots of docs/classroom.md.

Starts `migsim viz`, opens it in Debian's Chromium, presses Play for a while and
reads the simulated days off the page: days a second at the default classroom
scale (target: at least 5). With --screenshots DIR it also plays each of
baseline, amnesty (the slider) and crackdown to late September and saves the
page as PNGs for the lesson.

    .venv/bin/python experiments/benchmark_viz.py [--seconds 10] [--screenshots docs/img]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def steps(page) -> int:
    match = re.search(r"Time: (\d+)", page.inner_text("body"))
    return int(match.group(1)) if match else 0


def play_until(page, target_steps: int, limit: float = 240.0) -> None:
    page.get_by_role("button", name="▶").click()
    start = time.time()
    while steps(page) < target_steps and time.time() - start < limit:
        time.sleep(0.5)
    page.get_by_role("button", name="❚❚").click()
    time.sleep(2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--screenshots", type=Path, default=None)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).parent / "migsim"), "viz", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url, timeout=5)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1350})
            page.goto(url, timeout=120_000)
            page.get_by_role("button", name="Step").wait_for(timeout=120_000)
            time.sleep(3)
            page.get_by_role("button", name="▶").click()
            t0, s0 = time.time(), steps(page)
            time.sleep(args.seconds)
            s1, t1 = steps(page), time.time()
            page.get_by_role("button", name="❚❚").click()
            print(f"classroom app, default scale: {s1 - s0} days in {t1 - t0:.1f} s = {(s1 - s0) / (t1 - t0):.1f} simulated days a second")
            if args.screenshots:
                args.screenshots.mkdir(parents=True, exist_ok=True)
                shots = [("classroom_baseline.png", None, None), ("classroom_amnesty.png", None, "Amnesty"),
                         ("classroom_crackdown.png", "crackdown_2009.toml", None)]
                for name, scenario, checkbox in shots:
                    # set the controls first: Reset builds the model from them
                    if scenario:
                        page.get_by_label("Scenario", exact=True).click(force=True)
                        page.get_by_role("option", name=scenario).click()
                        time.sleep(2)
                    if checkbox:
                        page.get_by_text("Amnesty (employers apply").click()
                        time.sleep(2)
                    page.get_by_role("button", name="Reset").click()
                    time.sleep(3)
                    play_until(page, 270)
                    page.screenshot(path=str(args.screenshots / name), full_page=True)
                    print(f"saved {args.screenshots / name} at step {steps(page)}")
                    if checkbox:
                        page.get_by_text("Amnesty (employers apply").click()
                        time.sleep(2)
            browser.close()
    finally:
        os.killpg(server.pid, 15)


if __name__ == "__main__":
    main()
