"""Seconds per image of adeada's SLIC regions on a Cityscapes-size (2048x1024) image.

Prints the absolute figure and a ratio against a reference measured in the same run: the same
image at 1024x512 (a quarter of the area, n_segments scaled the same way). Uses a real CamVid image
upscaled when the data is beside the checkout (or $ADEADA_CAMVID), else a generated demo scene.

    python benchmarks/bench_superpixels.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from PIL import Image
from threadpoolctl import threadpool_limits

from adeada.data import DemoDataset, camvid_preset
from adeada.regions import RegionsConfig, compute_superpixels, n_segments_for


def _source_image() -> tuple[np.ndarray, str]:
    env = os.environ.get("ADEADA_CAMVID")
    root = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data" / "camvid"
    if (root / "train").is_dir():
        return camvid_preset(root, "day_train").load_image(0), "CamVid day_train[0] upscaled"
    return DemoDataset("target", "pool", 1, size=(256, 512)).load_image(0), "demo scene upscaled"


def _time(image: np.ndarray, cfg: RegionsConfig, repeats: int) -> tuple[float, int]:
    h, w = image.shape[:2]
    best, regions = float("inf"), 0
    for _ in range(repeats):
        start = time.perf_counter()
        _, counts = compute_superpixels(image, (h, w), cfg)
        best = min(best, time.perf_counter() - start)
        regions = counts.size
    return best, regions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    base, what = _source_image()
    cfg = RegionsConfig()
    sizes = {"2048x1024": (1024, 2048), "1024x512 (reference)": (512, 1024)}
    results = {}
    with threadpool_limits(1):
        for name, (h, w) in sizes.items():
            image = np.asarray(Image.fromarray(base).resize((w, h), Image.BILINEAR))
            results[name] = _time(image, cfg, args.repeats)
            print(f"{name}: n_segments={n_segments_for(h, w, cfg)}  {results[name][0]:.3f} s/image "
                  f"(min of {args.repeats})  {results[name][1]} regions/image")
    big, ref = results["2048x1024"][0], results["1024x512 (reference)"][0]
    print(f"image: {what}; 1 thread")
    print(f"ratio 2048x1024 / 1024x512: {big / ref:.2f}x time for 4x pixels")


if __name__ == "__main__":
    main()
