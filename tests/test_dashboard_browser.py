"""The dashboard as a person uses it: a real server, driven in headless Chromium.

Starts ``iei-sim dashboard`` on a free port, opens it in Debian's ``chromium`` through
Playwright (``executable_path``; no browser is downloaded), steps the model and checks that the
charts change, moves policy levers and checks after Reset that the new values are in effect and
change the charts, enters bad values and checks the page refuses them with the scenario's
problems instead of a traceback, and saves a screenshot to ``results/dashboard-screenshot.png``.

Without Chromium the test is skipped, unless ``IEI_REQUIRE_BROWSER=1`` (CI) makes that a
failure. ``IEI_CHROMIUM=/path/to/chromium`` picks another binary.
"""

from __future__ import annotations

import os
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.dashboard_helpers import free_port, running_dashboard

from iei_sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "small.yaml"
SCREENSHOT = ROOT / "results" / "dashboard-screenshot.png"
YEARS = load_scenario(SCENARIO).steps
REQUIRED = os.environ.get("IEI_REQUIRE_BROWSER") == "1"
HOW_TO_ENABLE = (
    "install Debian's chromium (sudo apt-get install chromium) or set IEI_CHROMIUM=/path/to/"
    "chromium; set IEI_REQUIRE_BROWSER=1 to make a missing browser a failure"
)
STEP_S = 30  # one year simulated and six figures redrawn, on a busy 2-core machine

# SHA-256 of the image an <img> shows (its blob: URL changes on every redraw, its bytes do not).
IMAGE_DIGEST_JS = """async (img) => {
    const bytes = await (await fetch(img.src)).arrayBuffer();
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return Array.from(digest, b => b.toString(16).padStart(2, "0")).join("");
}"""


def _unavailable(reason: str, how: str = HOW_TO_ENABLE) -> None:
    if REQUIRED:
        pytest.fail(f"IEI_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(f"{reason}: {how}")


def find_chromium() -> str | None:
    chosen = os.environ.get("IEI_CHROMIUM")
    if chosen:
        return chosen if Path(chosen).is_file() else shutil.which(chosen)
    return shutil.which("chromium") or shutil.which("chromium-browser")


def assets_served(base_url: str) -> bool:
    """Solara's page scripts come from its asset cache (or its CDN); without them no page."""
    from iei_sim.dashboard.assets import missing_packages

    if not missing_packages():
        return True
    try:  # not cached: Solara's server may still fetch them from its CDN
        with urllib.request.urlopen(
            f"{base_url}_solara/cdn/requirejs@2.3.6/require.js", timeout=30
        ):
            return True
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.fixture(scope="module")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        _unavailable("no Chromium found")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    return path


def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.getbasetemp() / "dashboard-server.log"


@pytest.fixture(scope="module")
def dashboard_url(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_dashboard([str(SCENARIO)], free_port(), server_log(tmp_path_factory)) as url:
        if not assets_served(url):
            _unavailable(
                "Solara's page assets are neither cached nor reachable",
                "run `make dashboard-assets` (fetches them from the npm registry once)",
            )
        yield url


def test_dashboard_in_chromium(
    chromium_path: str,
    dashboard_url: str,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    def year(page: Page, n: int) -> None:
        expect(page.locator(".iei-year")).to_contain_text(
            f"Year {n} of {YEARS}", timeout=STEP_S * 1000
        )

    def step(page: Page, n: int) -> None:
        page.get_by_role("button", name="Step").click()
        year(page, n)

    def chart(page: Page, name: str, differs_from: str | None = None) -> str:
        """Digest of a chart's image once its redraw has arrived and it has stopped changing.

        With ``differs_from``, waits (up to STEP_S) for an image other than that one; if none
        comes, returns the old digest and the caller's assertion fails.
        """
        image = page.locator(f".iei-chart-{name} img")
        image.wait_for(timeout=STEP_S * 1000)
        deadline = time.monotonic() + STEP_S
        previous = image.evaluate(IMAGE_DIGEST_JS)
        while time.monotonic() < deadline:
            time.sleep(0.3)
            current = image.evaluate(IMAGE_DIGEST_JS)
            if current == previous and current != differs_from:
                return current
            previous = current
        return previous

    def lever(page: Page, label: str):
        return page.locator(".v-input", has_text=label)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],  # root in a container
        )
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1300})
            page.goto(dashboard_url)
            year(page, 0)
            expect(page.locator(".iei-status")).to_contain_text(
                "All levers as in the scenario file"
            )
            expect(page.locator(".iei-chart-participation")).to_contain_text("No year simulated")

            # Stepping draws the charts and each year changes them.
            step(page, 1)
            baseline_1 = {name: chart(page, name) for name in ("participation", "fiscal_cost")}
            step(page, 2)
            participation_2 = chart(page, "participation", differs_from=baseline_1["participation"])
            assert participation_2 != baseline_1["participation"], (
                "a new year left the chart as it was"
            )

            # Levers: deduction on, for every firm, at a higher rate; Reset reruns with them.
            lever(page, "Tax deduction in force").get_by_role("checkbox").check()
            lever(page, "Deduction for certified firms only").get_by_role("checkbox").uncheck()
            rate = lever(page, "Tax deduction rate").get_by_role("slider")
            rate.focus()
            rate.press("ArrowRight")
            rate.press("ArrowRight")
            expect(rate).to_have_attribute("aria-valuenow", "0.4")
            page.get_by_role("button", name="Reset").click()
            year(page, 0)
            for line in (
                "policy.tax_deduction.enabled = True",
                "policy.tax_deduction.certified_only = False",
                "policy.tax_deduction.rate = 0.4",
            ):  # read from the rebuilt model's scenario, not from the controls
                expect(page.locator(".iei-status")).to_contain_text(line, timeout=STEP_S * 1000)
            step(page, 1)
            lever_1 = {name: chart(page, name) for name in ("participation", "fiscal_cost")}
            assert lever_1["fiscal_cost"] != baseline_1["fiscal_cost"], "the deduction cost nothing"
            assert lever_1["participation"] != baseline_1["participation"]
            step(page, 2)
            page.set_viewport_size({"width": 1600, "height": 2300})  # every chart in the picture
            page.screenshot(path=str(tmp_path / "dashboard.png"))
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tmp_path / "dashboard.png", SCREENSHOT)
            page.set_viewport_size({"width": 1600, "height": 1300})

            # Bad values: shares that do not sum to 1 and a seed that is not a number.
            firm_share = lever(page, "Shared loss: firm's share").get_by_role("slider")
            firm_share.focus()
            firm_share.press("ArrowRight")
            seed = page.get_by_label("Random seed")
            seed.fill("not-a-seed")
            seed.press("Enter")
            page.get_by_role("button", name="Reset").click()
            problems = page.locator(".iei-problems")
            expect(problems).to_contain_text("must sum to 1", timeout=STEP_S * 1000)
            expect(problems).to_contain_text("seed")
            page.screenshot(path=str(tmp_path / "dashboard-refused.png"))
            shutil.copyfile(
                tmp_path / "dashboard-refused.png", SCREENSHOT.with_name("dashboard-refused.png")
            )
            page.get_by_role("button", name="Step").click()
            time.sleep(1.0)
            year(page, 0)  # refused values are not simulated
            body = page.locator("body").inner_text()
            assert "Traceback" not in body and "Error in" not in body

            # Fixed values are accepted again.
            firm_share.focus()
            firm_share.press("ArrowLeft")
            seed.fill("42")
            seed.press("Enter")
            page.get_by_role("button", name="Reset").click()
            expect(problems).to_have_count(0, timeout=STEP_S * 1000)
            step(page, 1)
        finally:
            browser.close()
    log = server_log(tmp_path_factory).read_text()
    assert "Traceback" not in log, log
    assert "Could not load URL" not in log, f"the page asked for assets it cannot get:\n{log}"
