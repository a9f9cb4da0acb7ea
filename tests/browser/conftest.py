"""Browser fixtures: Debian's Chromium driven by Playwright, a phone for entrepreneurs, a desk for officials.

Run in their own pytest process with GUIYAN_NO_EVENTLET=1: Playwright's sync API cannot run under
eventlet's monkey-patching. The services still run as subprocesses (the root conftest's `stack`).
"""

import os
import sys
from pathlib import Path

import pytest

from tests.support import log_scan

CHROMIUM = "/usr/bin/chromium"
# a closed network and root: no sandbox, and none of Chromium's calls to outside hosts
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def _eventlet_patched() -> bool:
    patcher = sys.modules.get("eventlet.patcher")  # not imported: nothing is patched
    return bool(patcher and patcher.is_monkey_patched("socket"))


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    message = (f"Debian's Chromium is missing ({CHROMIUM}): apt-get install -y chromium fonts-noto-cjk "
               "(or `make system-packages`); `playwright install` does not work here")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium():
    if _eventlet_patched():
        pytest.skip("browser tests run in their own process: GUIYAN_NO_EVENTLET=1 pytest tests/browser")
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # plain launch() gives every run a fresh, temporary user-data directory
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _page_in_own_context(chromium, options: dict):
    """A page with its own cookies, so two people can be signed in at once."""
    context = chromium.new_context(**options)
    context.set_default_timeout(15000)
    yield context.new_page()
    for cookie in context.cookies():  # the page cookies Chromium received, for the log scan
        log_scan.remember_cookie(cookie["name"], cookie["value"])
    context.close()


@pytest.fixture
def phone(chromium):
    """A phone-sized browser, as an entrepreneur would use."""
    yield from _page_in_own_context(chromium, PHONE)


@pytest.fixture
def desk(chromium):
    """A desktop browser, as an official at the service counter would use."""
    yield from _page_in_own_context(chromium, DESK)


@pytest.fixture
def screenshots(tmp_path_factory) -> Path:
    """Where screenshots go: GUIYAN_SCREENSHOT_DIR to look at them, else a temporary folder."""
    folder = os.environ.get("GUIYAN_SCREENSHOT_DIR")
    if not folder:
        return tmp_path_factory.mktemp("screenshots")
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)
