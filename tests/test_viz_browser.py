"""The classroom app in a real browser: the server starts, headless Chromium opens
the page, the map and charts render, Step advances the date and changes the
charts, a slider moves, and a screenshot is saved. The server is stopped at the end.

Skipped when no Chromium is installed, unless MIGSIM_BROWSER_TESTS=1 (set by
.ci/run, which installs Debian's chromium): then a missing browser is a failure."""

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

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DATE = re.compile(r"(\d{2} [A-Z][a-z]+ \d{4}): ")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url():
    port = free_port()
    migsim = Path(sys.executable).parent / "migsim"
    server = subprocess.Popen([str(migsim), "viz", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("the classroom app did not start within 120 s")
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)


def shown_date(page) -> str | None:
    match = DATE.search(page.inner_text("body"))
    return match.group(1) if match else None


def chart_images(page) -> list[str]:
    """The sources of the server-drawn images (map and charts); new pictures get new sources."""
    return [img.get_attribute("src") or "" for img in page.locator("img").all()]


def test_classroom_app_in_headless_chromium(app_url, tmp_path):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "MIGSIM_BROWSER_TESTS=1 but no chromium found"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1300})
            page.goto(app_url, timeout=120_000)
            step = page.get_by_role("button", name="Step")
            step.wait_for(timeout=120_000)
            page.get_by_text("Press Step or Play").wait_for(timeout=60_000)
            # the map and the charts are images drawn by the server
            page.wait_for_function("document.querySelectorAll('img').length >= 4", timeout=60_000)
            assert "Where migrants come from" not in page.inner_text("body")  # map titles are inside the image
            before = chart_images(page)
            for _ in range(4):
                step.click()
                time.sleep(0.7)
            page.wait_for_function("/\\d{2} [A-Z][a-z]+ \\d{4}: /.test(document.body.innerText)", timeout=60_000)
            first = shown_date(page)
            assert first is not None and first.endswith("2008")
            for _ in range(3):
                step.click()
                time.sleep(0.7)
            time.sleep(2)
            later = shown_date(page)
            assert later != first, (first, later)
            assert chart_images(page) != before  # the charts changed
            # move a slider: the inspections lever, by keyboard
            slider = page.get_by_text("Inspections (x scenario)").locator("xpath=ancestor::div[contains(@class,'v-input')][1]")
            thumb = slider.locator("[role=slider]").first
            old = thumb.get_attribute("aria-valuenow")
            thumb.focus()
            for _ in range(4):
                page.keyboard.press("ArrowRight")
            time.sleep(2)
            assert thumb.get_attribute("aria-valuenow") != old
            shot = tmp_path / "classroom.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 20_000
        finally:
            browser.close()
