"""Pictures of the similarity space as PNG files: every artist projected from its embedding
to two dimensions, or one artist's neighbourhood as a graph.

Each picture records in its PNG text, under LABELS_KEY, the pixel box of every artist name
it drew (left, top, right, bottom from the top-left corner), so a reader can check which
names a picture shows and where, without reading the pixels as text.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from domain.neighbour_search import Float32s
from local.genre_families import FAMILIES, artist_family
from local.similarity_space import MapArtist, Neighbourhood, SimilarityEdge, SimilaritySpace

LABELS_KEY = "Artist labels"
# The best-known artists named on the whole map; more than this crowd its centre.
DEFAULT_LABELLED = 45
DOTS_PER_INCH = 100
SPACE_INCHES = (13.0, 9.0)
NEIGHBOURHOOD_INCHES = (12.0, 10.0)
TEXT_COLOUR = "#1a1a1a"
# Colour-blind-safe where it matters (Okabe-Ito, then two more); other is grey.
FAMILY_COLOURS = dict(
    zip(
        FAMILIES,
        (
            "#cc79a7",
            "#e69f00",
            "#d55e00",
            "#0072b2",
            "#56b4e9",
            "#8c564b",
            "#009e73",
            "#a6a600",
            "#e41a1c",
            "#9a9a9a",
        ),
        strict=True,
    )
)
_HALO = [patheffects.withStroke(linewidth=3, foreground="white")]
# Where a label may sit beside its dot, tried in turn: offset in points and alignment.
_LABEL_PLACES = (
    (5, 3, "left", "bottom"),
    (-5, 3, "right", "bottom"),
    (5, -3, "left", "top"),
    (-5, -3, "right", "top"),
    (0, 7, "center", "bottom"),
    (0, -7, "center", "top"),
)
# Room kept between two labels, in pixels.
_LABEL_GAP = 2.0
# A neighbourhood's rings, in the picture's units: the first ring spans the two distances.
_NEAREST, _FARTHEST, _SECOND_RING = 1.0, 1.8, 2.8


class NothingToDrawError(ValueError):
    """No artist has an embedding in the serving generation yet."""


@dataclass(frozen=True)
class DrawnLabel:
    name: str
    # Pixels from the image's top-left corner: left, top, right, bottom.
    box: tuple[int, int, int, int]


def project(vectors: Float32s) -> tuple[Float32s, tuple[float, float]]:
    """The vectors' first two principal components, and the share of the variance each
    explains."""
    centred = vectors - vectors.mean(axis=0)
    _, singular, directions = np.linalg.svd(centred, full_matrices=False)
    components = np.zeros((len(vectors), 2), dtype=np.float32)
    kept = min(2, len(singular))
    components[:, :kept] = centred @ directions[:kept].T
    variance = singular**2
    total = float(variance.sum()) or 1.0
    shares = [float(v) / total for v in variance[:2]] + [0.0, 0.0]
    return components, (shares[0], shares[1])


def best_known(artists: Iterable[MapArtist], count: int) -> list[MapArtist]:
    """The `count` artists with the most followers (popularity breaks ties)."""
    return sorted(artists, key=lambda a: (-a.followers, -a.popularity, a.name))[:count]


def draw_space(
    space: SimilaritySpace, out: Path, labelled: int = DEFAULT_LABELLED
) -> list[DrawnLabel]:
    """Every artist where its embedding's two principal components put it, coloured by
    genre family and sized by popularity; the best-known `labelled` named where a name
    fits without covering another. Returns the names drawn."""
    if not space.artists:
        raise NothingToDrawError("no artist has an embedding yet: ingest some artists first")
    points, shares = project(space.vectors)
    figure = _agg_figure(SPACE_INCHES)
    axes = figure.add_axes((0.03, 0.06, 0.75, 0.84))
    families = [artist_family(artist.genres) for artist in space.artists]
    for family in FAMILIES:
        rows = [row for row, f in enumerate(families) if f == family]
        if not rows:
            continue
        axes.scatter(
            points[rows, 0],
            points[rows, 1],
            s=[_dot_size(space.artists[row].popularity) for row in rows],
            color=FAMILY_COLOURS[family],
            alpha=0.8,
            edgecolors="white",
            linewidths=0.5,
            label=f"{family} ({len(rows)})",
        )
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_xlabel(f"first principal component ({shares[0]:.0%} of the variance)")
    axes.set_ylabel(f"second principal component ({shares[1]:.0%})")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(
        title="genre family (artists)",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        markerscale=0.8,
    )
    figure.suptitle(f"Sixpotify's similarity space: {len(space.artists)} artists", fontsize=16)
    axes.set_title(
        "embeddings of the serving generation projected to two dimensions; "
        "dot size: popularity; names: the best-known artists",
        fontsize=10,
        color="#555555",
    )
    figure.draw_without_rendering()
    # Names are placed against the final limits: keep them as the dots set them.
    axes.set_xlim(axes.get_xlim())
    axes.set_ylim(axes.get_ylim())
    row_of = {artist.artist_id: row for row, artist in enumerate(space.artists)}
    named = []
    for artist in best_known(space.artists, labelled):
        x, y = points[row_of[artist.artist_id]]
        named.append((artist.name, (float(x), float(y))))
    texts = _place_labels(axes, named)
    return _save(figure, out, texts, f"{len(space.artists)} artists")


def draw_neighbourhood(neighbourhood: Neighbourhood, out: Path) -> list[DrawnLabel]:
    """The artist in the middle, its neighbours around it (nearer the more similar), their
    own neighbours further out when read; a line as wide as its score, and labelled with it,
    from the artist to each neighbour and from each neighbour to its own; every artist
    named. Returns the names drawn."""
    places = _neighbourhood_layout(neighbourhood)
    by_id = {artist.artist_id: artist for artist in neighbourhood.artists}
    centre = neighbourhood.centre.artist_id
    figure = _agg_figure(NEIGHBOURHOOD_INCHES)
    axes = figure.add_axes((0.02, 0.02, 0.96, 0.88))
    axes.set_axis_off()
    axes.set_aspect("equal")
    first_ring = {edge.similar_id for edge in neighbourhood.edges if edge.artist_id == centre}
    # Lines between two neighbours would cross the middle of the picture: only lines from
    # the centre and out to the second ring are drawn.
    _draw_lines(
        axes,
        [
            edge
            for edge in _undirected(neighbourhood.edges)
            if not {edge.artist_id, edge.similar_id} <= first_ring
        ],
        places,
        centre,
    )
    present = _draw_dots(axes, places, by_id, centre)
    texts = [_node_label(axes, by_id[i].name, places[i], i == centre) for i in places]
    # Dots of their own in the legend: the centre's ring and size are not the family's.
    axes.legend(
        handles=[
            Line2D([], [], marker="o", linestyle="", markersize=10, color=FAMILY_COLOURS[family])
            for family in present
        ],
        labels=present,
        title="genre family",
        loc="lower right",
        frameon=False,
    )
    axes.margins(0.12)
    name = neighbourhood.centre.name
    figure.suptitle(f"Artists most similar to {name}", fontsize=17)
    figure.text(
        0.5,
        0.915,
        "the serving generation's similar-artist lists; nearer the middle and wider: more "
        "similar; numbers: similarity scores",
        ha="center",
        fontsize=10,
        color="#555555",
    )
    figure.draw_without_rendering()
    return _save(figure, out, texts, f"neighbourhood of {name}")


def _agg_figure(inches: tuple[float, float]) -> Figure:
    figure = Figure(figsize=inches, dpi=DOTS_PER_INCH)
    # Agg, whatever backend matplotlib would choose: no display is needed or wanted.
    FigureCanvasAgg(figure)
    return figure


def _draw_lines(
    axes: Axes,
    edges: Sequence[SimilarityEdge],
    places: Mapping[str, tuple[float, float]],
    centre: str,
) -> None:
    lowest = min((edge.score for edge in edges), default=0.0)
    highest = max((edge.score for edge in edges), default=1.0)
    for edge in edges:
        (x0, y0), (x1, y1) = places[edge.artist_id], places[edge.similar_id]
        strength = (edge.score - lowest) / (highest - lowest) if highest > lowest else 1.0
        from_centre = centre in (edge.artist_id, edge.similar_id)
        axes.plot(
            [x0, x1],
            [y0, y1],
            color="#4a4a4a" if from_centre else "#9a9a9a",
            linewidth=0.8 + 4.5 * strength,
            alpha=0.7,
            zorder=1,
            solid_capstyle="round",
        )
        axes.text(
            (x0 + x1) / 2,
            (y0 + y1) / 2,
            f"{edge.score:.2f}",
            fontsize=8 if from_centre else 7,
            color="#333333",
            ha="center",
            va="center",
            zorder=3,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
        )


def _draw_dots(
    axes: Axes,
    places: Mapping[str, tuple[float, float]],
    by_id: Mapping[str, MapArtist],
    centre: str,
) -> list[str]:
    """A dot per artist in its family's colour, the centre's large and ringed; returns the
    families drawn."""
    present = []
    for family in FAMILIES:
        ids = [i for i in places if artist_family(by_id[i].genres) == family]
        if not ids:
            continue
        present.append(family)
        axes.scatter(
            [places[i][0] for i in ids],
            [places[i][1] for i in ids],
            s=[900 if i == centre else 120 + 3 * by_id[i].popularity for i in ids],
            color=FAMILY_COLOURS[family],
            edgecolors=["black" if i == centre else "white" for i in ids],
            linewidths=[2.0 if i == centre else 1.0 for i in ids],
            zorder=2,
        )
    return present


def _dot_size(popularity: int) -> float:
    return 8.0 + 140.0 * (popularity / 100) ** 2


def _place_labels(axes: Axes, named: Sequence[tuple[str, tuple[float, float]]]) -> list[Text]:
    """Each name beside its dot, in the first place where it covers no name placed before
    and stays inside the axes; a name with no such place is left out."""
    inside = axes.get_window_extent()
    taken: list[Bbox] = []
    placed: list[Text] = []
    for name, point in named:
        for dx, dy, across, up in _LABEL_PLACES:
            text = axes.annotate(
                name,
                point,
                xytext=(dx, dy),
                textcoords="offset points",
                ha=across,
                va=up,
                fontsize=9,
                color=TEXT_COLOUR,
                path_effects=_HALO,
                zorder=4,
            )
            box = text.get_window_extent().padded(_LABEL_GAP)
            if _within(box, inside) and not any(box.overlaps(other) for other in taken):
                taken.append(box)
                placed.append(text)
                break
            text.remove()
    return placed


def _within(box: Bbox, outer: Bbox) -> bool:
    return bool(
        box.x0 >= outer.x0 and box.x1 <= outer.x1 and box.y0 >= outer.y0 and box.y1 <= outer.y1
    )


def _neighbourhood_layout(neighbourhood: Neighbourhood) -> dict[str, tuple[float, float]]:
    """The centre at the origin; its neighbours round it in rank order, clockwise from the
    top, from _NEAREST (the most similar) to _FARTHEST (the least) away; each neighbour's own
    new neighbours fanned out behind it at _SECOND_RING."""
    centre = neighbourhood.centre.artist_id
    first = [edge for edge in neighbourhood.edges if edge.artist_id == centre]
    places = {centre: (0.0, 0.0)}
    if not first:
        return places
    scores = [edge.score for edge in first]
    spread = max(scores) - min(scores)
    step = 2 * math.pi / len(first)
    angles = {}
    for position, edge in enumerate(first):
        angle = math.pi / 2 - position * step
        radius = _NEAREST + (
            (_FARTHEST - _NEAREST) * (max(scores) - edge.score) / spread if spread else 0.0
        )
        places[edge.similar_id] = (radius * math.cos(angle), radius * math.sin(angle))
        angles[edge.similar_id] = angle
    for parent, angle in angles.items():
        children = [
            edge.similar_id
            for edge in neighbourhood.edges
            if edge.artist_id == parent and edge.similar_id not in places
        ]
        fan = min(step * 0.8, math.radians(15) * len(children))
        for position, child in enumerate(children):
            offset = fan * ((position + 0.5) / len(children) - 0.5)
            places[child] = (
                _SECOND_RING * math.cos(angle + offset),
                _SECOND_RING * math.sin(angle + offset),
            )
    return places


def _undirected(edges: Iterable[SimilarityEdge]) -> list[SimilarityEdge]:
    """One line per pair of artists: two lists naming each other are drawn once, with the
    higher score."""
    strongest: dict[frozenset[str], SimilarityEdge] = {}
    for edge in edges:
        pair = frozenset((edge.artist_id, edge.similar_id))
        if pair not in strongest or edge.score > strongest[pair].score:
            strongest[pair] = edge
    return list(strongest.values())


def _node_label(axes: Axes, name: str, place: tuple[float, float], centre: bool) -> Text:
    x, y = place
    if centre:
        return axes.annotate(
            name,
            place,
            xytext=(0, -24),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=14,
            fontweight="bold",
            color=TEXT_COLOUR,
            path_effects=_HALO,
            zorder=4,
        )
    angle = math.atan2(y, x)
    return axes.annotate(
        name,
        place,
        xytext=(12 * math.cos(angle), 12 * math.sin(angle)),
        textcoords="offset points",
        ha="left" if math.cos(angle) > 0.2 else "right" if math.cos(angle) < -0.2 else "center",
        va="bottom" if math.sin(angle) > 0 else "top",
        fontsize=10 if math.hypot(x, y) <= _FARTHEST else 8.5,
        color=TEXT_COLOUR,
        path_effects=_HALO,
        zorder=4,
    )


def _save(figure: Figure, out: Path, texts: Sequence[Text], title: str) -> list[DrawnLabel]:
    height = figure.bbox.height
    labels = [
        DrawnLabel(
            text.get_text(),
            (
                math.floor(box.x0),
                math.floor(height - box.y1),
                math.ceil(box.x1),
                math.ceil(height - box.y0),
            ),
        )
        for text in texts
        for box in [text.get_window_extent()]
    ]
    rendered = io.BytesIO()
    figure.savefig(rendered, format="png", dpi=DOTS_PER_INCH)
    text = PngInfo()
    text.add_text("Title", f"Sixpotify similarity map: {title}")
    # ASCII (names escaped): PNG text chunks hold Latin-1 only.
    text.add_text(LABELS_KEY, json.dumps([asdict(label) for label in labels]))
    out.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(rendered) as image:
        # A dozen flat colours and their smoothed edges fit a palette of 256 unchanged to the
        # eye, at a third of the size; dithering would only add noise.
        image.convert("RGB").quantize(
            256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        ).save(out, pnginfo=text, optimize=True)
    return labels
