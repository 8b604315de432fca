"""The visualization page in headless Chromium, served as a user would serve it.

The server is ``python -m hmlsim viz`` in a process of its own, with this
environment less pytest's variables (Solara, for one, skips its install check
under pytest) and a fresh ``SOLARA_HOME`` (a first run, when that check would
fire). Every request of the browser is recorded, and so is every host the
server resolves or connects to (``tests/_viz_netlog/sitecustomize.py``); each
test fails on a request to any host but this machine, on any answer >= 400 (a
missing front-end file is a 404) and on any script error in the page.

- the page loads, steps, its plots change, a changed control says it applies on
  Reset, and a dataset that fails to load is a message in the page;
- the sliders move with a mouse (and Reset builds the model with the new value);
  each domain offers its own advisors and says which controls it ignores;
- each browser session has its own model.

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
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

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
#: the folder whose sitecustomize.py records the server's name look-ups and connections
NETLOG = Path(__file__).resolve().with_name("_viz_netlog")
LOCAL = {"127.0.0.1", "localhost", "::1"}
AUDIT_LABEL = "Audit share ρ (truth revealed an epoch later)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def user_environment() -> dict[str, str]:
    """This process's environment without what pytest adds (``PYTEST_CURRENT_TEST``, ...)."""
    return {key: value for key, value in os.environ.items() if "PYTEST" not in key.upper()}


@dataclass
class Server:
    url: str
    netlog: Path
    output: Path

    def outside_hosts(self) -> list[str]:
        """Hosts other than this machine that the server looked up or connected to."""
        lines = self.netlog.read_text().splitlines() if self.netlog.exists() else []
        return sorted({line.split()[-1] for line in lines} - LOCAL - {""})


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
    folder = tmp_path_factory.mktemp("viz")
    not_fico = folder / "not_fico.csv"
    not_fico.write_text("a,b\n1,2\n3,4\n")
    env = user_environment()
    env.update(
        HMLSIM_FICO_PATH=str(not_fico),
        SOLARA_HOME=str(folder / "solara-home"),
        HMLSIM_TEST_NETLOG=str(folder / "net.log"),
        PYTHONPATH=os.pathsep.join(p for p in (str(NETLOG), env.get("PYTHONPATH")) if p),
    )
    port = free_port()
    running = Server(f"http://127.0.0.1:{port}/", folder / "net.log", folder / "server.log")
    with running.output.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "hmlsim", "viz", "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"hmlsim viz exited: {running.output.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(running.url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(1)
    else:
        os.killpg(process.pid, signal.SIGTERM)
        pytest.fail("hmlsim viz did not answer within 180 s")
    yield running
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@dataclass
class Traffic:
    """Every request of a browser context, the answers >= 400, failures and script errors."""

    urls: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def watch(self, context) -> None:
        context.on("request", lambda request: self.urls.append(request.url))
        context.on("response", self._response)
        context.on("requestfailed", self._failed)
        context.on("page", lambda page: page.on("pageerror", self._script_error))

    def _response(self, response) -> None:
        if response.status >= 400:
            self.errors.append(f"{response.status} {response.url}")

    def _failed(self, request) -> None:
        self.errors.append(f"failed ({request.failure}) {request.url}")

    def _script_error(self, error) -> None:
        self.errors.append(f"script error: {error}")


def outside(url: str) -> bool:
    """Whether a request leaves this machine (anything but the local server or inline data)."""
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about", "chrome-extension"):
        return False
    return parsed.hostname not in LOCAL


@contextmanager
def session(browser, server: Server):
    """A page in a browser context of its own (a session of its own), its traffic recorded.

    On leaving the block without an error, asserts that the session stayed local
    (:func:`assert_stayed_local`).
    """
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1600, "height": 1400})
    traffic = Traffic()
    traffic.watch(context)
    try:
        page = context.new_page()
        page.goto(server.url, timeout=120_000)
        expect(step_button(page)).to_be_visible(timeout=180_000)
        expect(page.get_by_text(re.compile(r"Step:\s*0"))).to_be_visible(timeout=60_000)
        yield page
        assert_stayed_local(traffic, server)
    finally:
        context.close()


def assert_stayed_local(traffic: Traffic, server: Server) -> None:
    """No request or connection left this machine; no 404, no failed request, no script error."""
    assert traffic.urls, "no request was recorded"
    leaving = sorted({url for url in traffic.urls if outside(url)})
    assert not leaving, f"the page's requests left the machine: {leaving[:5]}"
    assert not traffic.errors, f"{len(traffic.errors)} bad answers: {traffic.errors[:5]}"
    assert not server.outside_hosts(), f"the server reached out: {server.outside_hosts()}"


def step_button(page):
    return page.get_by_role("button", name="Step", exact=True)


def step(page, expected: int) -> None:
    """Press Step and wait for the counter to read ``expected``."""
    from playwright.sync_api import expect

    step_button(page).click()
    expect(page.get_by_text(re.compile(rf"Step:\s*{expected}\b"))).to_be_visible(timeout=120_000)


def step_count(page) -> int:
    text = page.get_by_text(re.compile(r"Step:\s*\d+")).first.inner_text()
    return int(re.search(r"Step:\s*(\d+)", text).group(1))


def images(page) -> list[str]:
    return page.eval_on_selector_all("img", "els => els.map(e => e.src)")


def select_of(page, label: str):
    return page.locator(".v-select", has=page.get_by_text(label, exact=True)).first


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the select labelled ``label``."""
    from playwright.sync_api import expect

    select_of(page, label).click(force=True)
    item = page.locator(".menuable__content__active .v-list-item__title", has_text=option)
    expect(item.first).to_be_visible(timeout=30_000)
    item.first.click()


def offered(page, label: str) -> list[str]:
    """The options of the select labelled ``label``."""
    from playwright.sync_api import expect

    select_of(page, label).click(force=True)
    menu = page.locator(".menuable__content__active .v-list-item__title")
    expect(menu.first).to_be_visible(timeout=30_000)
    texts = [text.strip() for text in menu.all_inner_texts()]
    page.keyboard.press("Escape")
    expect(menu).to_have_count(0, timeout=10_000)
    return texts


def slider(page, label: str):
    """The slider whose label line starts with ``label``: (its label line, track, thumb)."""
    row = page.locator(".hmlsim-slider", has_text=label).first
    return (
        row.get_by_text(re.compile("^" + re.escape(label))),
        row.locator(".v-slider__track-container"),
        row.locator(".v-slider__thumb-container"),
    )


def slider_value(page, label: str) -> float:
    text = slider(page, label)[0].inner_text()
    return float(re.match(re.escape(label) + r": ([-0-9.e]+)", text).group(1))


def drag(page, label: str, share: float) -> float:
    """Drag the thumb of the slider ``label`` with the mouse to ``share`` of its track.

    Returns the value its label shows once the page has taken the new value.
    """
    from playwright.sync_api import expect

    line, track, thumb = slider(page, label)
    before = line.inner_text()
    box, knob = track.bounding_box(), thumb.bounding_box()
    page.mouse.move(knob["x"] + knob["width"] / 2, knob["y"] + knob["height"] / 2)
    page.mouse.down()
    target = box["x"] + share * box["width"]
    page.mouse.move(target, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    expect(line).not_to_have_text(before, timeout=30_000)
    return slider_value(page, label)


def test_page_steps_changes_and_survives_a_failing_dataset(server, browser):
    from playwright.sync_api import expect

    from hmlsim.visualization.controls import PAGE_TITLE

    with session(browser, server) as page:
        page.wait_for_function("document.querySelectorAll('img').length >= 4", timeout=120_000)
        # the tab is named; sliders show their values; epoch 0 shows no NaN
        expect(page).to_have_title(PAGE_TITLE)
        expect(page.get_by_text("α (reconciliation cost): 0.1", exact=True)).to_be_visible()
        expect(page.get_by_text("Experts: 3", exact=True)).to_be_visible()
        assert not re.search(r"\bnan\b", page.inner_text("body"), re.IGNORECASE)
        before = images(page)
        for expected in (1, 2, 3):
            step(page, expected)
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
        expect(
            page.get_by_text(re.compile("Running: classification.* group decisions"))
        ).to_be_visible()

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
        step(page, 1)


def test_sliders_move_with_the_mouse_and_controls_follow_the_domain(server, browser):
    from playwright.sync_api import expect

    from hmlsim.model.domains import CLASSIFICATION_ADVISORS
    from hmlsim.model.domains.knapsack import KNAPSACK_ADVISORS

    with session(browser, server) as page:
        # Mesa's playback sliders show their values, and move with the mouse
        expect(page.get_by_text("Play interval (ms): 100", exact=True)).to_be_visible()
        expect(page.get_by_text("Render interval (steps): 1", exact=True)).to_be_visible()
        assert 350 <= drag(page, "Play interval (ms)", 0.8) <= 450
        # the audit slider's track spans the sidebar, its thumb starts at the left (ρ = 0)
        _, track, thumb = slider(page, AUDIT_LABEL)
        box, knob = track.bounding_box(), thumb.bounding_box()
        assert box["width"] > 150, f"the audit slider's track is {box['width']} px wide"
        assert abs(knob["x"] + knob["width"] / 2 - box["x"]) < 0.05 * box["width"]
        assert slider_value(page, AUDIT_LABEL) == 0
        rho = drag(page, AUDIT_LABEL, 0.5)
        assert 0.2 <= rho <= 0.3, rho
        expect(
            page.get_by_text(re.compile(r"Audit share ρ .*\(applies on Reset\)"))
        ).to_be_visible()
        # Reset builds the model with the value the mouse set
        page.get_by_role("button", name="Reset", exact=True).click()
        expect(page.get_by_text(re.compile(rf"audit share ρ = {rho:g}\b"))).to_be_visible(
            timeout=120_000
        )
        expect(page.get_by_text("applies on Reset")).to_have_count(0)

        # each domain offers its own advisors; knapsack says which controls it ignores
        assert offered(page, "Advisor") == list(CLASSIFICATION_ADVISORS)
        choose(page, "Domain", "knapsack")
        expect(page.get_by_text(re.compile("Not used in the knapsack domain"))).to_be_visible(
            timeout=30_000
        )
        expect(page.get_by_text(re.compile("no audit channel"))).to_be_visible()
        expect(page.locator(".hmlsim-slider", has_text="Audit share")).to_have_count(0)
        assert offered(page, "Advisor (applies on Reset)") == list(KNAPSACK_ADVISORS)
        page.get_by_role("button", name="Reset", exact=True).click()
        expect(page.get_by_text(re.compile(r"Running: knapsack"))).to_be_visible(timeout=120_000)
        expect(page.get_by_text(re.compile("could not start"))).to_have_count(0)
        # the model was built with the advisor the menu swapped in (nothing left pending)
        expect(page.get_by_text("applies on Reset")).to_have_count(0)
        expect(page.get_by_text(re.compile(r"Advisors: mlp \(all experts\)"))).to_be_visible()
        step(page, 1)


def test_each_browser_session_has_its_own_model(server, browser):
    with session(browser, server) as page_a:
        step(page_a, 1)
        # a second session opens on a model of its own, at step 0
        with session(browser, server) as page_b:
            step(page_b, 1)
            # a step in one session does not move the other: A's model is at 1, not 2
            step(page_a, 2)
            assert step_count(page_b) == 1
