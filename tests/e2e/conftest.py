"""A real gridgov server with the Xiangxi demo data, and Debian's chromium driven by Playwright.

The server runs the way an operator runs the demo (`gridgov migrate`, `gridgov demo`,
`gridgov collectstatic`, `gridgov runserver`) in a temporary directory, on a free port of
127.0.0.1, once per test session. The browser is the system chromium: nothing is downloaded.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "gridgov-demo"
# A browser set up for Chinese, as our users' are (pages follow the browser's language).
BROWSER_LOCALE = "zh-CN"
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"
GRIDGOV = Path(sys.executable).with_name("gridgov")
START_TIMEOUT_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_environment(var_dir: Path) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        # The server must use its own SQLite file and in-process queue, whatever this shell has.
        if not key.startswith("GRIDGOV_") and key != "DJANGO_SETTINGS_MODULE"
    }
    environment.update(
        GRIDGOV_ENV="demo",
        GRIDGOV_VAR_DIR=str(var_dir),
        GRIDGOV_HTTPS="false",
        GRIDGOV_ALLOWED_HOSTS="127.0.0.1",
    )
    return environment


def _gridgov(environment: dict[str, str], *arguments: str) -> None:
    result = subprocess.run(
        [str(GRIDGOV), *arguments], env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"gridgov {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}")


def _wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server stopped:\n{log.read_text(encoding='utf-8')}")
        try:
            with urllib.request.urlopen(url + "/login/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"the server did not answer within {START_TIMEOUT_SECONDS} s")


@pytest.fixture(scope="session")
def server_environment(tmp_path_factory) -> dict[str, str]:
    """The environment the demo server runs with (its own ./var and SQLite file)."""
    return _server_environment(tmp_path_factory.mktemp("gridgov-var"))


@pytest.fixture(scope="session")
def in_server(server_environment):
    """`in_server(python_code)`: run code in the demo server's database (`gridgov shell`),
    for the parts of a journey that other people play (staff closing a resident's case)."""

    def run(code: str) -> None:
        _gridgov(server_environment, "shell", "-c", code)

    return run


@pytest.fixture(scope="session")
def live_server_url(server_environment) -> Iterator[str]:
    """The address of a running demo server, e.g. http://127.0.0.1:41235."""
    environment = server_environment
    var_dir = Path(environment["GRIDGOV_VAR_DIR"])
    _gridgov(environment, "migrate", "--noinput", "--verbosity", "0")
    _gridgov(environment, "demo")
    _gridgov(environment, "collectstatic", "--noinput", "--verbosity", "0")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = var_dir / "server.log"
    with log.open("w", encoding="utf-8") as output:
        server = subprocess.Popen(
            [str(GRIDGOV), "runserver", "--noreload", f"127.0.0.1:{port}"],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def desktop(browser, live_server_url):
    """A fresh browser tab (own cookies) on a laptop-sized screen."""
    context = browser.new_context(
        base_url=live_server_url, locale=BROWSER_LOCALE, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_server_url):
    """A fresh browser tab on a small phone: 360 CSS pixels wide, touch, mobile viewport."""
    context = browser.new_context(
        base_url=live_server_url,
        locale=BROWSER_LOCALE,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def results_dir() -> Path:
    """Where screenshots go (git-ignored) for people to look at after a run."""
    RESULTS_DIR.mkdir(exist_ok=True)
    return RESULTS_DIR


@pytest.fixture
def sign_in():
    """`sign_in(page, "township_centre")`: fill in and send the sign-in form."""

    def submit(page, username: str, password: str = DEMO_PASSWORD) -> None:
        page.goto("/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("form button.primary")

    return submit
