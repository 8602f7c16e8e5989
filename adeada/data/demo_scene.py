"""Procedural street scenes: one (image, label, info) per (style, rng, size), in a few ms.

Painter's order: sky, buildings, trees, ground (road and sidewalk), poles and signs, cars and
people from far to near. Each class has a colour, a texture and a typical position, so that a
small network can learn them; the style decides how each looks.
"""

from __future__ import annotations

import numpy as np

from adeada.data.demo_style import (
    BUILDING, CAR, PERSON, POLE, ROAD, SIDEWALK, SIGN, SKY, VEGETATION, DomainStyle,
)


class _Canvas:
    """A float RGB image and its label map, painted together."""

    def __init__(self, h: int, w: int) -> None:
        self.h, self.w = h, w
        self.img = np.zeros((h, w, 3), np.float32)
        self.lbl = np.zeros((h, w), np.uint8)

    def rect(self, y0, y1, x0, x1, cls, colour) -> None:
        y0, y1 = max(int(y0), 0), min(int(y1), self.h)
        x0, x1 = max(int(x0), 0), min(int(x1), self.w)
        if y1 > y0 and x1 > x0:
            self.img[y0:y1, x0:x1] = colour
            self.lbl[y0:y1, x0:x1] = cls

    def ellipse(self, cy, cx, ry, rx, cls, colour) -> None:
        y0, y1 = max(int(cy - ry), 0), min(int(cy + ry) + 1, self.h)
        x0, x1 = max(int(cx - rx), 0), min(int(cx + rx) + 1, self.w)
        if y1 <= y0 or x1 <= x0:
            return
        yy, xx = np.ogrid[y0:y1, x0:x1]
        mask = ((yy - cy) / max(ry, 0.5)) ** 2 + ((xx - cx) / max(rx, 0.5)) ** 2 <= 1.0
        self.img[y0:y1, x0:x1][mask] = colour
        self.lbl[y0:y1, x0:x1][mask] = cls


def _jitter(rng: np.random.Generator, colour, amount: float) -> np.ndarray:
    return np.clip(np.asarray(colour, np.float32) + rng.normal(0.0, amount, 3), 0, 255)


def _pick(rng: np.random.Generator, colours) -> tuple:
    return colours[int(rng.integers(len(colours)))]


def _sky(cv: _Canvas, horizon: int, top, bottom) -> None:
    t = np.linspace(0.0, 1.0, max(horizon, 1), dtype=np.float32)[:, None, None]
    cv.img[:horizon] = (1 - t) * np.asarray(top, np.float32) + t * np.asarray(bottom, np.float32)


def _buildings(cv: _Canvas, rng, style: DomainStyle, horizon: int) -> None:
    x = -int(rng.integers(0, cv.w // 8 + 1))
    while x < cv.w:
        bw = int(cv.w * rng.uniform(0.12, 0.3))
        if rng.random() < 0.2:  # a gap: sky (and maybe a tree) shows through
            x += bw // 2
            continue
        top = horizon - int(cv.h * rng.uniform(*style.building_height))
        colour = _jitter(rng, _pick(rng, style.buildings), style.colour_jitter)
        cv.rect(top, horizon, x, x + bw, BUILDING, colour)
        # Window grid: the building's texture, dimmed by the style's texture strength.
        period = int(rng.integers(5, 8))
        y0, x0 = max(top + 2, 0), max(x + 2, 0)
        y1, x1 = horizon - 2, min(x + bw - 1, cv.w)
        if y1 > y0 and x1 > x0:
            yy, xx = np.ogrid[y0:y1, x0:x1]
            win = ((yy - y0) % period < period // 2) & ((xx - x0) % period < period // 2)
            win_col = colour + style.texture * (np.asarray(style.window, np.float32) - colour)
            cv.img[y0:y1, x0:x1][win] = win_col
        x += bw


def _trees(cv: _Canvas, rng, style: DomainStyle, horizon: int) -> None:
    for _ in range(int(rng.integers(style.trees[0], style.trees[1] + 1))):
        cx = rng.uniform(0, cv.w)
        r = cv.h * rng.uniform(0.08, 0.16)
        cy = horizon - r * rng.uniform(0.3, 1.2)
        colour = _jitter(rng, style.vegetation, style.colour_jitter)
        cv.rect(cy, horizon + 2, cx - r * 0.12, cx + r * 0.12, VEGETATION, colour * 0.6)
        cv.ellipse(cy, cx, r, r * rng.uniform(0.8, 1.3), VEGETATION, colour)


def _ground(cv: _Canvas, rng, style: DomainStyle, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Road as a trapezoid towards a vanishing point, sidewalk beside it; returns road edges."""
    h, w = cv.h, cv.w
    vx = w * rng.uniform(0.4, 0.6)
    xl, xr = w * rng.uniform(0.0, 0.25), w * rng.uniform(0.75, 1.0)
    ys = np.arange(horizon, h)
    t = (ys - horizon + 1) / max(h - horizon, 1)
    left, right = vx + (xl - vx) * t, vx + (xr - vx) * t
    xx = np.arange(w)[None, :]
    on_road = (xx >= left[:, None]) & (xx < right[:, None])
    road_col = _jitter(rng, style.road, style.colour_jitter)
    side_col = _jitter(rng, style.sidewalk, style.colour_jitter)
    band = cv.img[horizon:]
    band[:] = np.where(on_road[..., None], road_col, side_col)
    cv.lbl[horizon:] = np.where(on_road, ROAD, SIDEWALK)
    # Sidewalk tiles and dashed lane markings: position-locked textures of their class.
    tiles = ((ys[:, None] % 6) == 0) | ((xx % 9) == 0)
    band[tiles & ~on_road] -= 35.0 * style.texture
    centre = (left + right) / 2
    dashes = (np.abs(xx - centre[:, None]) < 0.5 + 1.5 * t[:, None]) & ((ys[:, None] // 4) % 2 == 0)
    band[dashes & on_road] = 230.0
    return left, right


def _pole_and_sign(cv: _Canvas, rng, style, horizon, left, right) -> None:
    y_base = int(rng.integers(horizon + 2, cv.h))
    s = (y_base - horizon) / max(cv.h - horizon, 1)
    row = y_base - horizon
    side = rng.random() < 0.5
    x = rng.uniform(0, max(left[row] - 2, 1)) if side else rng.uniform(min(right[row] + 2, cv.w - 1), cv.w)
    height = cv.h * (0.25 + 0.35 * s)
    width = max(1.0, 2.5 * s)
    cv.rect(y_base - height, y_base, x - width / 2, x + width / 2 + 1, POLE, _jitter(rng, style.pole, 6))
    if rng.random() < 0.7:
        r = max(2.0, cv.h * 0.05 * (0.5 + s))
        colour = _jitter(rng, _pick(rng, style.signs), 6)
        if rng.random() < 0.5:
            cv.ellipse(y_base - height, x, r, r, SIGN, colour)
        else:
            cv.rect(y_base - height - r, y_base - height + r, x - r, x + r, SIGN, colour)


def _car(cv: _Canvas, rng, style, horizon, left, right, y_base, info) -> None:
    row = min(y_base - horizon, len(left) - 1)
    s = (y_base - horizon) / max(cv.h - horizon, 1)
    cw = max(4.0, cv.w * s * rng.uniform(0.22, 0.32))
    ch = cw * rng.uniform(0.45, 0.6)
    cx = rng.uniform(left[row] + cw / 2, max(right[row] - cw / 2, left[row] + cw / 2 + 1))
    extra = bool(style.extra_car_colours) and rng.random() < style.extra_car_prob
    colour = _pick(rng, style.extra_car_colours if extra else style.car_colours)
    info["car_colours"].append(tuple(int(c) for c in colour))
    info["target_only_cars"] += int(extra)
    colour = _jitter(rng, colour, style.colour_jitter / 2)
    x0, x1, y0 = cx - cw / 2, cx + cw / 2, y_base - ch
    if style.car_cabin:  # lower body plus an inset cabin
        cv.rect(y0 + 0.45 * ch, y_base, x0, x1, CAR, colour)
        cv.rect(y0, y0 + 0.45 * ch + 1, x0 + 0.2 * cw, x1 - 0.2 * cw, CAR, colour)
        cv.rect(y0 + 0.1 * ch, y0 + 0.4 * ch, x0 + 0.27 * cw, x1 - 0.27 * cw, CAR, (60, 70, 80))
    else:  # a box with a window band
        cv.rect(y0, y_base, x0, x1, CAR, colour)
        cv.rect(y0 + 0.15 * ch, y0 + 0.4 * ch, x0 + 0.1 * cw, x1 - 0.1 * cw, CAR, (50, 60, 80))
    wheel = max(1.0, 0.12 * cw)
    cv.rect(y_base - wheel, y_base, x0 + 0.1 * cw, x0 + 0.1 * cw + 2 * wheel, CAR, (15, 15, 15))
    cv.rect(y_base - wheel, y_base, x1 - 0.1 * cw - 2 * wheel, x1 - 0.1 * cw, CAR, (15, 15, 15))


def _person(cv: _Canvas, rng, style, horizon, left, right, y_base) -> None:
    row = min(y_base - horizon, len(left) - 1)
    s = (y_base - horizon) / max(cv.h - horizon, 1)
    ph = max(5.0, cv.h * (0.12 + 0.3 * s))
    on_left = rng.random() < 0.5
    x = rng.uniform(0, max(left[row] - 1, 1)) if on_left else rng.uniform(min(right[row] + 1, cv.w - 1), cv.w)
    body = _jitter(rng, _pick(rng, style.clothes), style.colour_jitter)
    cv.ellipse(y_base - 0.42 * ph, x, 0.38 * ph, 0.14 * ph, PERSON, body)
    cv.rect(y_base - 0.2 * ph, y_base, x - 0.1 * ph, x + 0.1 * ph, PERSON, body * 0.6)
    cv.ellipse(y_base - 0.88 * ph, x, 0.1 * ph, 0.09 * ph, PERSON, (225, 185, 150))


def _box_blur(img: np.ndarray) -> np.ndarray:
    """3x3 mean blur: real cameras are softer than a renderer."""
    pad = np.pad(img, ((1, 1), (1, 1), (0, 0)), mode="edge")
    h, w = img.shape[:2]
    acc = sum(pad[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3))
    return acc / 9.0


def render_scene(style: DomainStyle, rng: np.random.Generator, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, dict]:
    """Draw one scene.

    Args:
        style: the domain's look.
        rng: the only source of randomness (seeded by the caller for determinism).
        size: (H, W).

    Returns:
        image uint8 (H, W, 3), label uint8 (H, W) in demo class ids, and a small info dict
        (``dusk``: bool, ``car_colours``: list, ``target_only_cars``: int).
    """
    h, w = size
    cv = _Canvas(h, w)
    info = {"dusk": bool(rng.random() < style.dusk_prob), "car_colours": [], "target_only_cars": 0}
    horizon = int(h * rng.uniform(0.38, 0.52))
    top, bottom = (style.dusk_sky_top, style.dusk_sky_horizon) if info["dusk"] else (style.sky_top, style.sky_horizon)
    _sky(cv, horizon, top, bottom)
    _buildings(cv, rng, style, horizon)
    _trees(cv, rng, style, horizon)
    left, right = _ground(cv, rng, style, horizon)
    for _ in range(int(rng.integers(style.poles[0], style.poles[1] + 1))):
        _pole_and_sign(cv, rng, style, horizon, left, right)
    n_cars, n_people = rng.poisson(style.mean_cars), rng.poisson(style.mean_people)
    objects = [(int(rng.integers(horizon + 3, h + 1)), "car") for _ in range(n_cars)]
    objects += [(int(rng.integers(horizon + 3, h + 1)), "person") for _ in range(n_people)]
    for y_base, kind in sorted(objects):  # far (small y) first, near objects occlude them
        if kind == "car":
            _car(cv, rng, style, horizon, left, right, y_base, info)
        else:
            _person(cv, rng, style, horizon, left, right, y_base)
    img = cv.img
    img += rng.normal(0.0, style.noise_std * (1 + style.texture), (h, w, 1)).astype(np.float32) * (cv.lbl == VEGETATION)[..., None]
    if style.light_gradient:
        side = rng.choice([-1.0, 1.0])
        gain = 1.0 + side * style.light_gradient * (np.linspace(-0.5, 0.5, w, dtype=np.float32))
        img *= gain[None, :, None]
    if info["dusk"]:
        ground = (cv.lbl != SKY)[..., None]
        img *= np.where(ground, np.asarray(style.dusk_scale, np.float32), 1.0)
    if style.blur:
        img = _box_blur(img)
    img += rng.normal(0.0, style.noise_std, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8), cv.lbl, info
