"""The visualization page in headless Chromium: it loads, steps, its plots change, a
changed control says it applies on Reset, and a dataset that fails to load is a
message in the page (never a traceback); no request leaves 127.0.0.1.

The server runs with ``HMLSIM_FICO_PATH`` naming a file that is not FICO HELOC,
so FICO is offered (its file is found) and fails when loaded on Reset.

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
def server(tmp_path_factory):
    from hmlsim.visualization.assets import missing_assets

    # outside CI a developer without the browser set-up gets a skip; in CI
    # (.ci/test installs both) a missing piece is a failure, never a silent skip
    unavailable = pytest.fail if os.environ.get("CI") else pytest.skip
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} not installed (apt-get install chromium)")
    if missing_assets():
        unavailable("Solara front-end files missing: run `hmlsim viz --setup`")
    port = free_port()
    not_fico = tmp_path_factory.mktemp("viz") / "not_fico.csv"
    not_fico.write_text("a,b\n1,2\n3,4\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "hmlsim.cli", "viz", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "HMLSIM_FICO_PATH": str(not_fico)},
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


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the select labelled ``label``."""
    from playwright.sync_api import expect

    select = page.locator(".v-select", has=page.get_by_text(label))
    select.first.click(force=True)
    item = page.locator(".menuable__content__active .v-list-item__title", has_text=option)
    expect(item.first).to_be_visible(timeout=30_000)
    item.first.click()


def offered(page, label: str) -> list[str]:
    """The options of the select labelled ``label``."""
    from playwright.sync_api import expect

    select = page.locator(".v-select", has=page.get_by_text(label))
    select.first.click(force=True)
    menu = page.locator(".menuable__content__active .v-list-item__title")
    expect(menu.first).to_be_visible(timeout=30_000)
    texts = [text.strip() for text in menu.all_inner_texts()]
    page.keyboard.press("Escape")
    return texts


def test_page_steps_changes_and_survives_a_failing_dataset(server):
    from playwright.sync_api import expect, sync_playwright

    from hmlsim.visualization.controls import PAGE_TITLE

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
            # the tab is named; sliders show their values; epoch 0 shows no NaN
            expect(page).to_have_title(PAGE_TITLE)
            expect(page.get_by_text("α (reconciliation cost): 0.1", exact=True)).to_be_visible()
            expect(page.get_by_text("Experts: 3", exact=True)).to_be_visible()
            assert not re.search(r"\bnan\b", page.inner_text("body"), re.IGNORECASE)
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
            # the advisor is named by its variant
            expect(page.get_by_text("Advisor TR (all experts)", exact=False)).to_be_visible()
            if os.environ.get("HMLSIM_SCREENSHOT"):
                SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOT), full_page=True)

            # a changed control says it applies on Reset, until Reset applies it
            expect(page.get_by_text("applies on Reset")).to_have_count(0)
            choose(page, "Expert decisions", "group")
            expect(page.get_by_text("Expert decisions (applies on Reset)")).to_be_visible(
                timeout=30_000
            )
            expect(page.get_by_text(re.compile(r"Changed: Expert decisions"))).to_be_visible()
            page.get_by_role("button", name="Reset", exact=True).click()
            expect(page.get_by_text(re.compile(r"Step:\s*0"))).to_be_visible(timeout=120_000)
            expect(page.get_by_text("Expert decisions (applies on Reset)")).to_have_count(
                0, timeout=60_000
            )

            # FICO is offered where its file is found; a file that fails to load is a
            # message in the page, the default model runs and the page still steps
            datasets = offered(page, "Dataset (classification)")
            assert {"heart", "hr", "fico"} <= set(datasets)
            choose(page, "Dataset (classification)", "fico")
            page.get_by_role("button", name="Reset", exact=True).click()
            message = page.get_by_text(re.compile(r"could not start with these controls"))
            expect(message).to_be_visible(timeout=120_000)
            expect(page.get_by_text(re.compile("RiskPerformance"))).to_be_visible()
            body = page.inner_text("body")
            assert "Traceback" not in body and 'File "' not in body
            step_button.click()
            expect(page.get_by_text(re.compile(r"Step:\s*1\b"))).to_be_visible(timeout=120_000)

            # the page works offline: every request it made went to the local server
            assert requests, "no request was recorded"
            leaving = sorted({url for url in requests if outside(url)})
            assert not leaving, f"requests left the machine: {leaving[:5]}"
        finally:
            browser.close()
