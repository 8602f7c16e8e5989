"""Label Studio end to end, against the real server.

`adeada export --format label_studio` -> a Label Studio server on 127.0.0.1 (temporary data folder,
our labeling_config.xml, our tasks.json) -> one annotation per task posted over its REST API, brushes
encoded by Label Studio's own converter as its client would -> its JSON export -> `adeada import`
-> the run's stored labels equal what was posted.

Label Studio pins its own dependencies, so `.ci/run` installs it in `.venv-ls/`; the test finds
`label-studio` there, at $ADEADA_LABEL_STUDIO, or on PATH, and is skipped when none is installed.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from adeada.cli import main
from tests.tiny_run import TINY

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 180


def find_label_studio() -> Path | None:
    for candidate in (os.environ.get("ADEADA_LABEL_STUDIO"), ROOT / ".venv-ls" / "bin" / "label-studio",
                      shutil.which("label-studio")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


EXE = find_label_studio()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(EXE is None, reason="label-studio is not installed: .ci/run installs it in .venv-ls/ "
                                           "(or set ADEADA_LABEL_STUDIO to a label-studio executable)"),
]

# Runs in Label Studio's own Python: its converter encodes the annotator's masks and decodes ours.
LS_CODEC = """
import json, sys
import numpy as np
from label_studio_sdk.converter.brush import decode_rle, mask2rle
job = json.load(sys.stdin)
out = {"encoded": [[int(v) for v in mask2rle(np.array(m, dtype=np.uint8) * 255)] for m in job["encode"]],
       "decoded": [(np.reshape(decode_rle(r["rle"]), (r["h"], r["w"], 4))[:, :, 3] > 0).astype(int).tolist()
                   for r in job["decode"]]}
json.dump(out, sys.stdout)
"""


class Server:
    """A Label Studio server started by this test; ``stop`` ends it by its process id."""

    def __init__(self, root: Path):
        self.files = root / "files"  # LOCAL_FILES_DOCUMENT_ROOT: the jobs are unpacked below it
        self.files.mkdir(parents=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(20)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env.update({
            "LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED": "true",
            "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT": str(self.files),
            "LABEL_STUDIO_BASE_DATA_DIR": str(root / "data"),
            "HOME": str(root),  # it also makes folders under ~/.local/share: not in the user's home
            # Offline and quiet: no version check, analytics or error reports leave the machine.
            "LATEST_VERSION_CHECK": "false", "COLLECT_ANALYTICS": "false", "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": "",
        })
        self.log_path = root / "server.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [str(EXE), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(self.port),
             "--data-dir", str(root / "data"), "--username", "adeada@example.com", "--password", secrets.token_hex(8),
             "--user-token", self.token, "--enable-legacy-api-token"],
            stdout=self._log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.started = time.monotonic()

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def wait_ready(self) -> float:
        """Seconds from start until /health answered; fails after READY_TIMEOUT_S or if the server exits."""
        while time.monotonic() - self.started < READY_TIMEOUT_S:
            if self.proc.poll() is not None:
                pytest.fail(f"label-studio exited with {self.proc.returncode} before it was ready:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=5) as r:
                    if r.status == 200:
                        return time.monotonic() - self.started
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(1)
        pytest.fail(f"label-studio did not answer /health within {READY_TIMEOUT_S} s:\n{self.log_tail()}")

    def api(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method, headers={
            "Authorization": f"Token {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                raw = r.read()
        except urllib.error.HTTPError as err:
            pytest.fail(f"{method} {path}: HTTP {err.code} {err.read()[:500]!r}")
        return raw if path.startswith("/data/") else json.loads(raw or b"null")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # its own session: the server and its children
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=20)
        self._log.close()


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path / "label_studio")
    try:
        yield srv
    finally:
        srv.stop()


def ls_codec(encode: list, decode: list) -> dict:
    """Label Studio's converter, run in Label Studio's Python (EXE's folder)."""
    python = EXE.parent / "python"
    if not python.is_file():
        pytest.skip(f"no python next to {EXE} to run Label Studio's converter")
    done = subprocess.run([str(python), "-c", LS_CODEC], input=json.dumps({"encode": encode, "decode": decode}),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def brush(mask_rle: list, label: str, h: int, w: int, region_id: str) -> dict:
    return {"id": region_id, "from_name": "label", "to_name": "image", "type": "brushlabels", "origin": "manual",
            "original_width": w, "original_height": h, "image_rotation": 0,
            "value": {"format": "rle", "rle": mask_rle, "brushlabels": [label]}}


def test_label_studio_round_trip(server, tmp_path):
    # The run is made while the server starts (most of the server's time is its first migration).
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(yaml.safe_dump(dict(TINY, cache_dir=str(tmp_path / "cache"),
                                       loop=dict(TINY["loop"], oracle="human"))))
    run = tmp_path / "run"
    assert main(["--quiet", "run", "--config", str(cfg), "--out", str(run)]) == 3
    job = server.files / "round1"
    assert main(["--quiet", "export", "--run", str(run), "--round", "1", "--format", "label_studio",
                 "--out", str(job)]) == 0
    tasks = json.loads((job / "tasks.json").read_text())
    manifest = json.loads((job / "manifest.json").read_text())
    classes = [c["name"] for c in manifest["classes"]]

    ready_s = server.wait_ready()
    print(f"label-studio ready after {ready_s:.1f} s")
    project = server.api("POST", "/api/projects", {"title": "adeada round 1",
                                                    "label_config": (job / "labeling_config.xml").read_text()})
    server.api("POST", "/api/storages/localfiles", {"project": project["id"], "title": "round 1 images",
                                                    "path": str(job / "images"), "use_blob_urls": False})
    imported = server.api("POST", f"/api/projects/{project['id']}/import", tasks)
    assert imported["task_count"] == len(tasks) and imported["prediction_count"] == len(tasks), imported
    listed = server.api("GET", f"/api/tasks?project={project['id']}&page_size=1000&fields=all")
    listed = listed["tasks"] if isinstance(listed, dict) else listed
    assert len(listed) == len(tasks)

    # The image URL of the tasks serves our image (the local-files form the README sets up).
    first = listed[0]
    assert server.api("GET", first["data"]["image"]) == (job / "images" / f"{first['data']['image_id']}.png").read_bytes()

    # Label Studio's own decoder reads the "to_label" regions of our prediction exactly.
    by_id = {e["image_id"]: e for e in manifest["images"]}
    stored = {t["data"]["image_id"]: server.api("GET", f"/api/tasks/{t['id']}") for t in listed}
    preds = [(i, r) for i, t in stored.items() for r in t["predictions"][0]["result"]]
    decoded = ls_codec([], [{"rle": r["value"]["rle"], "h": r["original_height"], "w": r["original_width"]}
                            for _, r in preds])["decoded"]
    segments = {}
    for (image_id, result), mask in zip(preds, decoded):
        region = int(result["id"].split("-")[1])
        assert result["value"]["brushlabels"] == ["to_label"]
        segments.setdefault(image_id, []).append((region, np.asarray(mask, dtype=bool)))
    for image_id, regions in segments.items():
        assert sorted(r for r, _ in regions) == by_id[image_id]["regions"]
        assert sum(int(m.sum()) for _, m in regions) == by_id[image_id]["pixels_to_label"]

    # The annotator: random classes painted over each requested region, except one region of the
    # first image left as "to_label"; brushes encoded by Label Studio's own mask2rle.
    rng = np.random.default_rng(0)
    expected, plans = {}, []
    for n, (image_id, regions) in enumerate(sorted(segments.items())):
        h, w = regions[0][1].shape
        want = np.full((h, w), 255, np.uint8)
        left = regions[0] if n == 0 else None
        painted = {}
        for region, mask in regions:
            if left is not None and region == left[0]:
                continue
            truth = rng.integers(0, len(classes), size=(h, w))
            truth[rng.random((h, w)) < 0.2] = 255  # pixels the annotator could not tell
            for c in np.unique(truth[mask]):
                if c != 255:
                    painted.setdefault(int(c), np.zeros((h, w), bool))[mask & (truth == c)] = True
            want[mask] = truth[mask]
        expected[image_id] = want
        plans.append((image_id, h, w, sorted(painted.items()), left))
    encoded = iter(ls_codec([m.astype(int).tolist() for *_, painted, _ in plans for _, m in painted], [])["encoded"])
    for image_id, h, w, painted, left in plans:
        result = [brush(next(encoded), classes[c], h, w, f"a{c}") for c, _ in painted]
        if left is not None:
            result += [r for r in stored[image_id]["predictions"][0]["result"] if r["id"] == f"region-{left[0]}"]
        server.api("POST", f"/api/tasks/{stored[image_id]['id']}/annotations",
                   {"result": result, "was_cancelled": False, "lead_time": 3.0})

    export = tmp_path / "project-export.json"
    export.write_bytes(json.dumps(server.api("GET", f"/api/projects/{project['id']}/export?exportType=JSON")).encode())
    assert main(["--quiet", "import", "--run", str(run), "--round", "1", "--labels", str(export)]) == 0
    for image_id, want in expected.items():
        got = np.asarray(Image.open(run / "rounds" / "01" / "labels" / f"{image_id}.png"))
        np.testing.assert_array_equal(got, want)
    assert any((w != 255).any() for w in expected.values())  # something was labelled
