"""The classroom app in a real browser, as a class uses it: two students at once
(each their own year), a slider moved mid-year (a dated mark, and a different
course from that day than an unmoved run on the same seed), a followed migrant,
and Play to the last day, with no console or page errors and no failed request
(everything is served locally) over the whole module.

Skipped when no Chromium is installed, unless MIGSIM_BROWSER_TESTS=1 (set by
.ci/run, which installs Debian's chromium): then a missing browser is a failure."""

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = os.environ.get("MIGSIM_BROWSER_TESTS") == "1"
if CHROMIUM is None and not REQUIRED:
    pytest.skip("no Chromium on this machine (.ci/run installs it)", allow_module_level=True)

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
DATE = re.compile(r"(\d{2} [A-Z][a-z]+ \d{4})(?::| *\n)")
HEADLINE = re.compile(r"([\d,]+) migrants present, ([\d,]+) of them irregular")


def free_port() -> int:
    """A port with two free ports after it (for the two servers)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port < 65000 and all(_free(port + i) for i in (1, 2)):
            return port


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def app_url():
    port = free_port()
    migsim = Path(sys.executable).parent / "migsim"
    server = subprocess.Popen(
        # two servers behind one address, as a class runs it: the students land on either
        [str(migsim), "viz", "--port", str(port), "--servers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 120
        for backend in (port + 1, port + 2):  # both servers answer
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{backend}/", timeout=5) as response:
                        if response.status == 200:
                            break
                except (OSError, http.client.HTTPException):  # not up yet (or our own connection to itself)
                    if time.time() > deadline or server.poll() is not None:
                        raise RuntimeError("the classroom app did not start within 120 s")
                    time.sleep(0.5)
        with urllib.request.urlopen(url, timeout=5) as response:  # and the front door sends a visitor to one
            assert response.status == 200
        yield url
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "MIGSIM_BROWSER_TESTS=1 but no chromium found"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def problems():
    """Console errors, page errors and failed requests seen by any page of the module."""
    seen: list[str] = []
    yield seen
    assert seen == []


def student(browser, app_url, problems, width=1366, height=768):
    """A new browser context (a student's laptop) with the app loaded."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    page.goto(app_url, timeout=120_000)
    page.get_by_role("button", name="Play").wait_for(timeout=120_000)
    page.get_by_text("to start the year").wait_for(timeout=60_000)
    page.wait_for_selector("svg.marks", timeout=60_000)  # the browser drew the charts
    return page


def text(page) -> str:
    return page.inner_text("body")


def shown_date(page) -> str:
    match = DATE.search(text(page))
    assert match, text(page)[:500]
    return match.group(1)


def step_week(page, times=1) -> None:
    for _ in range(times):
        before = shown_date(page)
        page.get_by_role("button", name="Step a week").click()
        page.wait_for_function(
            "before => { const m = document.body.innerText.match(/(\\d{2} [A-Z][a-z]+ \\d{4}):/);"
            " return m !== null && m[1] !== before; }",
            arg=before,
            timeout=30_000,
        )


def headline(page) -> tuple[int, int]:
    match = HEADLINE.search(text(page))
    assert match, text(page)[:500]
    return int(match.group(1).replace(",", "")), int(match.group(2).replace(",", ""))


def assert_no_traceback(page) -> None:
    body = text(page)
    assert "Traceback" not in body and "Error" not in body.replace("Errors", ""), body[:800]


def test_two_students_each_have_their_own_year(browser, app_url, problems):
    first = student(browser, app_url, problems)
    step_week(first, 3)
    assert shown_date(first) == "21 January 2008"
    second = student(browser, app_url, problems)  # opened after the first stepped
    assert shown_date(second) == "01 January 2008"
    step_week(second)
    assert shown_date(second) == "07 January 2008"
    assert shown_date(first) == "21 January 2008"
    first.context.close()
    second.context.close()


def move_slider(page, label: str, presses: int) -> None:
    """A lever's slider, moved by keyboard (what a student's arrow keys do)."""
    slider = page.get_by_text(re.compile(f"^{label}:")).locator("xpath=following::div[@role='slider'][1]")
    slider.focus()
    for _ in range(presses):
        page.keyboard.press("ArrowRight")
        time.sleep(0.2)


def test_a_slider_moved_mid_year_marks_the_day_and_changes_the_course(browser, app_url, problems, tmp_path):
    moved = student(browser, app_url, problems)
    unmoved = student(browser, app_url, problems)
    for page in (moved, unmoved):
        step_week(page, 20)
    assert shown_date(moved) == shown_date(unmoved) == "19 May 2008"
    assert headline(moved) == headline(unmoved)  # same seed, same year so far
    move_slider(moved, "Workplace inspections", 8)  # x1 -> x3
    moved.get_by_text("Workplace inspections: \u00d73").wait_for(timeout=20_000)
    # the change is drawn on the charts as a dated line with its label
    moved.wait_for_function(
        "[...document.querySelectorAll('svg.marks text')].some(t => t.textContent.includes('Workplace inspections \u00d73'))",
        timeout=30_000,
    )
    for page in (moved, unmoved):
        step_week(page, 10)
    assert shown_date(moved) == shown_date(unmoved) == "28 July 2008"
    assert headline(moved) != headline(unmoved)
    moved.screenshot(path=str(tmp_path / "moved.png"), full_page=True)
    moved.context.close()
    unmoved.context.close()


def test_following_a_migrant(browser, app_url, problems):
    page = student(browser, app_url, problems)
    step_week(page, 14)
    page.get_by_role("button", name="Follow a migrant").click()
    page.get_by_text(re.compile(r"^Migrant #\d+")).wait_for(timeout=20_000)
    story = page.locator("li")
    assert "Crossed the border" in story.first.inner_text()
    for _ in range(12):
        step_week(page)
        if story.count() >= 2:
            break
    assert story.count() >= 2, [story.nth(i).inner_text() for i in range(story.count())]
    page.context.close()


def test_play_to_the_end_of_the_year(browser, app_url, problems):
    page = student(browser, app_url, problems)
    page.get_by_role("button", name="Play").click()
    page.get_by_text("The year is over").wait_for(timeout=240_000)
    assert shown_date(page) == "31 December 2008"
    assert page.get_by_role("button", name="Play").is_disabled()
    assert page.get_by_role("button", name="Step a day").is_disabled()
    assert_no_traceback(page)
    page.get_by_role("button", name="New run").click()
    page.get_by_text("to start the year").wait_for(timeout=60_000)
    assert shown_date(page) == "01 January 2008"
    step_week(page)
    assert shown_date(page) == "07 January 2008"
    fresh = student(browser, app_url, problems)  # and a new student after the end
    assert shown_date(fresh) == "01 January 2008"
    page.context.close()
    fresh.context.close()
