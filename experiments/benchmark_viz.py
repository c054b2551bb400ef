"""Benchmark of the classroom app (issue 10) in headless Chromium, and the
screenshots of docs/classroom.md.

Starts `migsim viz`, and measures, in one run:
- page load: from opening the address to the charts drawn;
- simulated days a second while Play runs, at the default classroom scale, for one
  student (target: at least 10);
- the same with N students playing at once (separate browser contexts, each its
  own simulation) for each N of --students: how many stay above 5 days a second,
  and the cores the servers and the browsers used meanwhile.

The browsers run on the same machine as the servers here, where in a class each
student's laptop draws its own charts. Two options take them out of the way:
- --pin: the servers on core 0, the browsers on the other cores;
- --light: the students' pages do not draw charts (the chart library is not
  served to them): the browser still receives every picture, as a page does.
--servers N runs `migsim viz --servers N` (N app processes behind one address).
With --screenshots DIR it saves the lesson's pictures at 1366x768 (and one at 1920x1080).

    .venv/bin/python experiments/benchmark_viz.py [--seconds 15] [--students 1 5 10 20 30]
        [--servers 1] [--pin] [--light] [--screenshots docs/img]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DATE = re.compile(r"(\d{2} [A-Z][a-z]+ \d{4}):")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def day_of(page) -> int:
    """Days since 1 January of the date on the page (0 before the first step)."""
    match = DATE.search(page.inner_text("body", timeout=180_000))
    if not match:
        return 0
    date = dt.datetime.strptime(match.group(1), "%d %B %Y").date()  # noqa: DTZ007 - a calendar date, no time of day
    return (date - dt.date(date.year, 1, 1)).days + 1


def open_student(browser, url: str, width: int = 1366, height: int = 768, light: bool = False):
    context = browser.new_context(viewport={"width": width, "height": height})
    if light:  # no chart library: the page gets its pictures and does not draw them
        context.route(re.compile(r".*/vega[^/]*@.*"), lambda route: route.abort())
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url, timeout=180_000)
    page.get_by_role("button", name="Play").wait_for(timeout=180_000)
    if not light:
        page.wait_for_selector("svg.marks", timeout=180_000)
    return page, time.perf_counter() - started


def cpu_seconds(pids) -> float:
    """User and system CPU seconds used so far by these processes."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def server_pids(group: int) -> list[int]:
    return [int(d) for d in os.listdir("/proc") if d.isdigit() and _group(int(d)) == group]


def browser_pids() -> list[int]:
    found = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if b"chromium" in Path(f"/proc/{d}/cmdline").read_bytes()[:200]:
                    found.append(int(d))
            except OSError:
                pass
    return found


def _group(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def play_rate(pages, seconds: float) -> list[float]:
    for page in pages:
        page.get_by_role("button", name="Play").click()
    time.sleep(1.0)  # the first pictures
    start = [(day_of(p), time.perf_counter()) for p in pages]
    time.sleep(seconds)
    rates = [(day_of(p) - d0) / (time.perf_counter() - t0) for p, (d0, t0) in zip(pages, start, strict=True)]
    for page in pages:  # a page that played to the end of the year has nothing to pause
        if "The year is over" not in page.inner_text("body"):
            page.get_by_role("button", name="Pause").click(timeout=60_000)
    return rates


def play_until(page, day: int, limit: float = 240.0) -> None:
    page.get_by_role("button", name="Play").click()
    start = time.time()
    while day_of(page) < day and time.time() - start < limit:
        time.sleep(0.3)
    page.get_by_role("button", name="Pause").click()
    time.sleep(2.5)  # the last picture drawn


def screenshots(browser, url: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    page, _ = open_student(browser, url)
    play_until(page, 270)  # late September: the harvest
    page.screenshot(path=str(out / "classroom_baseline.png"))
    page.get_by_role("button", name="Follow a migrant").click()
    play_until(page, 330)
    page.locator("text=Follow a migrant").scroll_into_view_if_needed()
    page.screenshot(path=str(out / "classroom_follow.png"))
    page.context.close()

    page, _ = open_student(browser, url)  # an amnesty opened in August, watched to November
    play_until(page, 213)
    page.get_by_text("Amnesty from tomorrow").click()
    time.sleep(1.5)
    play_until(page, 320)
    page.screenshot(path=str(out / "classroom_amnesty.png"))
    page.context.close()

    page, _ = open_student(browser, url)  # the 2009 crackdown, inspections doubled again in June
    page.get_by_label("Scenario (for the next run)").click(force=True)
    page.get_by_role("option", name="crackdown_2009.toml").click()
    page.get_by_role("button", name="New run").click()
    page.get_by_text("to start the year").wait_for(timeout=60_000)
    time.sleep(2)
    play_until(page, 152)
    slider = page.get_by_text(re.compile("^Workplace inspections:")).locator("xpath=following::div[@role='slider'][1]")
    slider.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
        time.sleep(0.2)
    time.sleep(1.5)
    play_until(page, 290)
    page.screenshot(path=str(out / "classroom_crackdown.png"))
    page.context.close()

    page, _ = open_student(browser, url, 1920, 1080)
    play_until(page, 270)
    page.screenshot(path=str(out / "classroom_1920.png"))
    page.context.close()
    print(f"saved the screenshots in {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15.0, help="how long Play runs for each measurement")
    parser.add_argument("--students", type=int, nargs="+", default=[1, 5, 10, 20, 30], help="students playing at once")
    parser.add_argument("--screenshots", type=Path, default=None, help="save the lesson's pictures here")
    parser.add_argument("--servers", type=int, default=1, help="app servers behind the address (migsim viz --servers)")
    parser.add_argument("--pin", action="store_true", help="servers on core 0, browsers on the other cores")
    parser.add_argument("--light", action="store_true", help="the playing students' pages do not draw charts")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port() if args.servers == 1 else 18765
    cores = sorted(os.sched_getaffinity(0))
    command = [str(Path(sys.executable).parent / "migsim"), "viz", "--port", str(port), "--servers", str(args.servers)]
    if args.pin:
        command = ["taskset", "-c", str(cores[0]), *command]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    if args.pin:  # this process and the browsers it starts: the other cores
        os.sched_setaffinity(0, set(cores[1:]))
    url = f"http://127.0.0.1:{port}/"
    backends = [port] if args.servers == 1 else [port + 1 + i for i in range(args.servers)]
    try:
        for backend in backends:
            for _ in range(240):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{backend}/", timeout=5)
                    break
                except OSError:
                    time.sleep(0.5)
        print(
            f"servers: {args.servers}{', on core 0' if args.pin else ''}; playing pages "
            f"{'do not draw charts' if args.light else 'draw charts'}",
            flush=True,
        )
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page, _ = open_student(browser, url)  # warm: the server's first page loads its modules
            page.context.close()
            page, load = open_student(browser, url)
            print(f"page load (address to charts drawn): {load:.1f} s")
            page.context.close()
            for n in args.students:
                pages = [open_student(browser, url, light=args.light)[0] for _ in range(n)]
                used = (cpu_seconds(server_pids(server.pid)), cpu_seconds(browser_pids()), time.perf_counter())
                rates = play_rate(pages, args.seconds)
                spent = time.perf_counter() - used[2]
                on_servers = (cpu_seconds(server_pids(server.pid)) - used[0]) / spent
                on_browsers = (cpu_seconds(browser_pids()) - used[1]) / spent
                above = sum(r >= 5 for r in rates)
                print(
                    f"{n:3d} playing at once: simulated days a second min {min(rates):.1f}, median {sorted(rates)[n // 2]:.1f}, "
                    f"max {max(rates):.1f}; {above} of {n} at 5 or more; cores used by the servers {on_servers:.2f}, "
                    f"by the browsers {on_browsers:.2f}",
                    flush=True,
                )
                for p in pages:
                    p.context.close()
            if args.screenshots:
                screenshots(browser, url, args.screenshots)
            browser.close()
    finally:
        os.killpg(server.pid, 15)


if __name__ == "__main__":
    main()
