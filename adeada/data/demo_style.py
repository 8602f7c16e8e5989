"""The two looks of the demo domains: a clean "synthetic" source and a "real" target.

They differ the way synthetic and real street images do: palette, texture and noise, lighting,
object shapes and class frequencies; and the target has appearances the source never shows
(car colours, a dusk tint) so that some target regions are genuinely target-specific.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_CLASSES: list[str] = [
    "sky", "building", "road", "sidewalk", "vegetation", "car", "person", "pole", "sign",
]
SKY, BUILDING, ROAD, SIDEWALK, VEGETATION, CAR, PERSON, POLE, SIGN = range(9)

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class DomainStyle:
    """Everything that makes one demo domain look the way it does."""

    name: str
    sky_top: Colour
    sky_horizon: Colour
    buildings: tuple[Colour, ...]
    window: Colour
    road: Colour
    sidewalk: Colour
    vegetation: Colour
    pole: Colour
    signs: tuple[Colour, ...]
    clothes: tuple[Colour, ...]
    car_colours: tuple[Colour, ...]
    # Colours drawn only in this domain, with this probability per car.
    extra_car_colours: tuple[Colour, ...] = ()
    extra_car_prob: float = 0.0
    car_cabin: bool = False  # target cars have a narrower cabin on top: a different silhouette
    noise_std: float = 4.0
    colour_jitter: float = 8.0
    texture: float = 1.0  # strength of class textures (windows, foliage, tiles)
    light_gradient: float = 0.0  # left-right illumination change, as a fraction
    blur: bool = False
    dusk_prob: float = 0.0
    dusk_sky_top: Colour = (40, 30, 80)
    dusk_sky_horizon: Colour = (235, 120, 60)
    dusk_scale: tuple[float, float, float] = (0.62, 0.5, 0.55)
    # Scene statistics: expected counts and building heights (fractions of the image height).
    mean_cars: float = 1.5
    mean_people: float = 1.0
    trees: tuple[int, int] = (2, 5)
    poles: tuple[int, int] = (1, 3)
    building_height: tuple[float, float] = (0.12, 0.35)


SOURCE_STYLE = DomainStyle(
    name="source",
    sky_top=(70, 140, 235),
    sky_horizon=(165, 205, 250),
    buildings=((165, 105, 80), (125, 120, 140), (185, 160, 115)),
    window=(55, 65, 95),
    road=(85, 85, 92),
    sidewalk=(180, 165, 150),
    vegetation=(50, 150, 45),
    pole=(115, 115, 120),
    signs=((245, 205, 0), (25, 85, 215)),
    clothes=((200, 45, 45), (45, 45, 185), (60, 125, 60), (225, 205, 60)),
    car_colours=((205, 30, 30), (30, 60, 205), (235, 235, 235), (25, 25, 25), (150, 150, 165)),
    noise_std=3.0,
    colour_jitter=6.0,
    texture=1.0,
    mean_cars=1.5,
    mean_people=0.8,
    trees=(2, 5),
    poles=(1, 3),
    building_height=(0.10, 0.30),
)

TARGET_STYLE = DomainStyle(
    name="target",
    sky_top=(125, 160, 205),
    sky_horizon=(200, 210, 222),
    buildings=((150, 112, 95), (112, 110, 122), (165, 148, 118)),
    window=(70, 72, 78),
    road=(100, 98, 100),
    sidewalk=(160, 150, 140),
    vegetation=(62, 122, 50),
    pole=(95, 95, 100),
    signs=((230, 190, 20), (35, 80, 190)),
    clothes=((70, 60, 60), (40, 45, 70), (110, 100, 90), (150, 40, 40)),
    car_colours=((190, 35, 35), (225, 225, 225), (30, 30, 30), (140, 140, 150)),
    extra_car_colours=((40, 170, 75), (145, 50, 175), (20, 165, 175), (235, 110, 20)),
    extra_car_prob=0.5,
    car_cabin=True,
    noise_std=9.0,
    colour_jitter=14.0,
    texture=0.6,
    light_gradient=0.35,
    blur=True,
    dusk_prob=0.35,
    mean_cars=3.0,
    mean_people=2.5,
    trees=(0, 2),
    poles=(2, 4),
    building_height=(0.18, 0.42),
)

STYLES = {"source": SOURCE_STYLE, "target": TARGET_STYLE}
