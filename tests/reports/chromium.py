"""Render a page in headless Chromium and count the images that really loaded."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

# Appended to a copy of the page: once everything has loaded, the body records how many images
# decoded (complete and with a real width) out of how many there are; --dump-dom then shows it.
_PROBE = """<script>window.addEventListener('load', () => { const imgs = Array.from(document.images);
document.body.setAttribute('data-loaded', imgs.filter(i => i.complete && i.naturalWidth > 0).length + '/' + imgs.length);
});</script>"""


def chromium() -> str:
    """The Chromium binary, or skip (``.ci/run`` installs Debian's ``chromium``)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("headless Chromium is not installed (.ci/run installs the Debian package chromium)")


def loaded_images(page: Path, timeout: float = 90.0, attempts: int = 3) -> tuple[int, int]:
    """(images loaded, images on the page) of ``page`` rendered offline in headless Chromium.

    On a machine whose cores are busy, Chromium's start sometimes stalls past any sensible wait
    (seen here at a load average of 8 on 2 cores): such a run is killed and tried again.
    """
    binary = chromium()
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.html"
        probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"), encoding="utf-8")
        for attempt in range(attempts):
            # An unreachable proxy: a page that needed the network would show its images as broken.
            try:
                done = subprocess.run(
                    [binary, "--headless", "--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update",
                     f"--user-data-dir={tmp}/profile{attempt}", "--virtual-time-budget=10000", "--dump-dom",
                     probe.as_uri()],
                    capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                continue
            break
        else:
            raise AssertionError(f"Chromium did not render {page} in {attempts} tries of {timeout:.0f} s")
    match = re.search(r'data-loaded="(\d+)/(\d+)"', done.stdout)
    assert match, f"Chromium did not finish the page (exit {done.returncode}): {done.stderr[-500:]}"
    return int(match.group(1)), int(match.group(2))
