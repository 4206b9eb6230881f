"""Reading back which artist names a similarity picture shows: the label record the picture
carries, checked against its pixels."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from local.similarity_map import LABELS_KEY

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Label text is drawn near-black; dots, lines and the white background are all lighter.
_DARKEST_NON_TEXT = 60
# "IU", the shortest name drawn at the smallest size, has a dozen such pixels.
_FEWEST_TEXT_PIXELS = 8


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    title: str
    # The names whose recorded box lies inside the picture and holds text-coloured pixels.
    shown: frozenset[str]
    # Every name the label record lists.
    recorded: tuple[str, ...]
    boxes: dict[str, tuple[int, int, int, int]]


def read_picture(png: Path) -> Picture:
    """The decoded picture, its title and the names it visibly shows."""
    assert png.read_bytes()[:8] == PNG_SIGNATURE
    with Image.open(png) as image:
        image.load()
        text = dict(image.text)  # type: ignore[attr-defined]  # PNG images have text
        pixels = np.asarray(image.convert("RGB")).astype(int)
    height, width, _ = pixels.shape
    labels = json.loads(text[LABELS_KEY])
    boxes = {label["name"]: tuple(label["box"]) for label in labels}
    shown = frozenset(
        name for name, box in boxes.items() if _holds_text(pixels, box, width, height)
    )
    return Picture(
        width, height, text["Title"], shown, tuple(label["name"] for label in labels), boxes
    )


def _holds_text(
    pixels: np.ndarray, box: tuple[int, int, int, int], width: int, height: int
) -> bool:
    left, top, right, bottom = box
    if not (0 <= left < right <= width and 0 <= top < bottom <= height):
        return False
    patch = pixels[top:bottom, left:right]
    background = pixels[0, 0]
    text_coloured = (patch.max(axis=2) <= _DARKEST_NON_TEXT) & (patch != background).any(axis=2)
    return int(text_coloured.sum()) >= _FEWEST_TEXT_PIXELS


def overlapping(boxes: dict[str, tuple[int, int, int, int]]) -> list[tuple[str, str]]:
    """Pairs of names whose boxes share pixels."""
    names = sorted(boxes)
    return [
        (first, second)
        for i, first in enumerate(names)
        for second in names[i + 1 :]
        if _overlap(boxes[first], boxes[second])
    ]


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
