"""Pictures of the similarity space drawn from made-up artists: valid PNGs that show the
names they record, and genre families that colour them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from local.genre_families import OTHER, artist_family, genre_family
from local.similarity_map import (
    LABELS_KEY,
    NothingToDrawError,
    best_known,
    draw_neighbourhood,
    draw_space,
    project,
)
from local.similarity_space import MapArtist, Neighbourhood, SimilarityEdge, SimilaritySpace
from tests.picture_labels import overlapping, read_picture

_CLUSTER_GENRES = (("thrash metal", "rock"), ("k-pop", "k-pop girl group"), ("bebop", "jazz"))


def _made_up_space(per_cluster: int) -> SimilaritySpace:
    """Three clusters of artists around three far-apart directions; artist i has fewer
    followers than artist i - 1."""
    generator = np.random.default_rng(7)
    centres = generator.normal(size=(len(_CLUSTER_GENRES), 32)) * 4
    artists: list[MapArtist] = []
    vectors = []
    for cluster, genres in enumerate(_CLUSTER_GENRES):
        for _ in range(per_cluster):
            number = len(artists)
            artists.append(
                MapArtist(f"id{number}", f"Artist {number}", genres, 90 - number, 10**7 - number)
            )
            vectors.append(centres[cluster] + generator.normal(size=32))
    return SimilaritySpace(tuple(artists), np.array(vectors, dtype=np.float32))


def _artist(number: int, genres: tuple[str, ...] = ("hard rock",)) -> MapArtist:
    return MapArtist(f"id{number}", f"Band {number}", genres, 50, 1000)


def test_genres_fall_into_the_family_of_their_most_telling_word() -> None:
    # Given genres naming two families at once, and one naming none
    # When each is put in a family; Then the family of higher precedence wins
    assert genre_family("k-pop girl group") == "k-pop & Korean"
    assert genre_family("pop rap") == "hip hop & rap"
    assert genre_family("blues rock") == "rock & metal"
    assert genre_family("rhythm and blues") == "r&b, soul & funk"
    assert genre_family("dance pop") == "pop"
    assert genre_family("roots reggae") == OTHER
    # And words are matched whole: "trip hop" is not hip hop
    assert genre_family("trip hop") == "electronic"


def test_an_artist_is_of_the_family_its_first_genres_vote_for() -> None:
    # Given an artist listed first as country, then as two kinds of rock
    genres = ("outlaw country", "country rock", "southern rock", "roots rock")
    # When its family is taken; Then the first genre's vote (1) loses to three rock votes
    assert artist_family(genres) == "rock & metal"
    # And an artist with no genre, or none of a family, is other
    assert artist_family(()) == OTHER
    assert artist_family(("reggae",)) == OTHER


def test_the_projection_keeps_the_direction_the_artists_spread_along() -> None:
    # Given vectors spread along one direction with a little noise across it
    along = np.linspace(-5, 5, 50)
    vectors = np.stack([along, 0.01 * np.sin(along * 7), np.zeros(50)], axis=1)
    # When projected to two dimensions
    points, (first, second) = project(vectors.astype(np.float32))
    # Then the first component orders them as the direction does and explains nearly all
    assert abs(np.corrcoef(points[:, 0], along)[0, 1]) > 0.999
    assert first > 0.99 > second


def test_the_whole_map_is_a_png_that_shows_the_best_known_names_apart(tmp_path: Path) -> None:
    # Given sixty made-up artists in three genre clusters
    space = _made_up_space(per_cluster=20)
    # When the map is drawn naming the twelve best-known
    out = tmp_path / "map.png"
    drawn = draw_space(space, out, labelled=12)
    # Then it is a decodable picture of the figure's size, titled with the artist count
    picture = read_picture(out)
    assert (picture.width, picture.height) == (1300, 900)
    assert picture.title.endswith("60 artists")
    # And the three best-known are named where the picture shows text, no two names overlap,
    # and no more than twelve are named
    best = {artist.name for artist in best_known(space.artists, 3)}
    assert best <= picture.shown
    assert set(picture.recorded) == picture.shown == {label.name for label in drawn}
    assert len(picture.recorded) <= 12
    assert overlapping(picture.boxes) == []


def test_an_empty_space_is_refused(tmp_path: Path) -> None:
    # Given no artist with an embedding
    empty = SimilaritySpace((), np.zeros((0, 256), dtype=np.float32))
    # When the map is drawn; Then it says there is nothing to draw, and writes nothing
    with pytest.raises(NothingToDrawError):
        draw_space(empty, tmp_path / "map.png")
    assert not (tmp_path / "map.png").exists()


def test_a_neighbourhood_names_the_artist_and_every_neighbour(tmp_path: Path) -> None:
    # Given an artist with five neighbours, two of which list two more artists each
    centre = _artist(0)
    first_ring = [_artist(n) for n in range(1, 6)]
    second_ring = [_artist(n, ("k-pop",)) for n in range(6, 10)]
    edges = [SimilarityEdge("id0", a.artist_id, 0.9 - 0.05 * n) for n, a in enumerate(first_ring)]
    edges += [
        SimilarityEdge("id1", "id6", 0.7),
        SimilarityEdge("id1", "id7", 0.6),
        SimilarityEdge("id2", "id8", 0.65),
        SimilarityEdge("id2", "id9", 0.5),
        # The first neighbour lists the artist back: one line between them
        SimilarityEdge("id1", "id0", 0.9),
    ]
    neighbourhood = Neighbourhood(centre, (centre, *first_ring, *second_ring), tuple(edges))
    # When its graph is drawn
    out = tmp_path / "around.png"
    draw_neighbourhood(neighbourhood, out)
    # Then every one of the ten artists is named where the picture shows text
    picture = read_picture(out)
    assert picture.shown == {f"Band {n}" for n in range(10)}
    assert picture.title.endswith("neighbourhood of Band 0")
    assert overlapping(picture.boxes) == []


def test_a_recorded_name_over_blank_background_does_not_count_as_shown(tmp_path: Path) -> None:
    # Given a blank picture whose label record places a name inside it, and one outside it
    blank = tmp_path / "blank.png"
    record = PngInfo()
    record.add_text("Title", "blank")
    record.add_text(
        LABELS_KEY,
        json.dumps(
            [
                {"name": "Inside", "box": [10, 10, 60, 24]},
                {"name": "Outside", "box": [190, 10, 260, 24]},
            ]
        ),
    )
    Image.new("RGB", (200, 100), "white").save(blank, pnginfo=record)
    # When it is read back; Then neither name is shown, though both are recorded
    picture = read_picture(blank)
    assert picture.recorded == ("Inside", "Outside")
    assert picture.shown == frozenset()
