"""The visualization page in headless Chromium: it loads, steps, and its plots change.

Needs Debian's chromium at /usr/bin/chromium (never ``playwright install``) and
Solara's front-end files in its cache (``hmlsim viz --setup``). Set
``HMLSIM_SCREENSHOT=1`` to save the page to ``docs/img/viz.png``.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "img" / "viz.png"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    from hmlsim.visualization.assets import missing_assets

    # outside CI a developer without the browser set-up gets a skip; in CI
    # (.ci/test installs both) a missing piece is a failure, never a silent skip
    unavailable = pytest.fail if os.environ.get("CI") else pytest.skip
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} not installed (apt-get install chromium)")
    if missing_assets():
        unavailable("Solara front-end files missing: run `hmlsim viz --setup`")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "hmlsim.cli", "viz", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"hmlsim viz exited: {process.stdout.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(1)
    else:
        os.killpg(process.pid, signal.SIGTERM)
        pytest.fail("hmlsim viz did not answer within 180 s")
    yield url
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def step_count(page) -> int:
    text = page.get_by_text(re.compile(r"Step:\s*\d+")).first.inner_text()
    return int(re.search(r"Step:\s*(\d+)", text).group(1))


def images(page) -> list[str]:
    return page.eval_on_selector_all("img", "els => els.map(e => e.src)")


def outside(url: str) -> bool:
    """Whether a request leaves this machine (anything but the local server or inline data)."""
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about", "chrome-extension"):
        return False
    return parsed.hostname not in ("127.0.0.1", "localhost", "::1")


def test_page_steps_and_plots_change(server):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1400})
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(server, timeout=120_000)
            step_button = page.get_by_role("button", name="Step", exact=True)
            expect(step_button).to_be_visible(timeout=180_000)
            expect(page.get_by_text(re.compile(r"Step:\s*0"))).to_be_visible(timeout=60_000)
            page.wait_for_function("document.querySelectorAll('img').length >= 4", timeout=120_000)
            before = images(page)
            for expected in (1, 2, 3):
                step_button.click()
                expect(page.get_by_text(re.compile(rf"Step:\s*{expected}\b"))).to_be_visible(
                    timeout=120_000
                )
            page.wait_for_timeout(1500)
            after = images(page)
            assert step_count(page) == 3
            assert len(after) >= 4
            changed = [b != a for b, a in zip(before, after, strict=False)]
            assert sum(changed) >= 3, "the plots did not refresh after stepping"
            expect(page.get_by_text("Advisor all")).to_be_visible()
            # the page works offline: every request it made went to the local server
            assert requests, "no request was recorded"
            leaving = sorted({url for url in requests if outside(url)})
            assert not leaving, f"requests left the machine: {leaving[:5]}"
            # FICO is offered only where its file is found
            from hmlsim.data.loaders import resolve_fico_path

            select = page.locator(".v-select", has=page.get_by_text("Dataset (classification)"))
            select.first.click(force=True)
            menu = page.locator(".menuable__content__active .v-list-item__title")
            expect(menu.first).to_be_visible(timeout=30_000)
            offered = [text.strip() for text in menu.all_inner_texts()]
            assert {"heart", "hr"} <= set(offered)
            assert ("fico" in offered) == (resolve_fico_path() is not None)
            page.keyboard.press("Escape")
            if os.environ.get("HMLSIM_SCREENSHOT"):
                SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
