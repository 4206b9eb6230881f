"""`sixpotify map` against the session's stack: pictures of what the stack stored that show
the artists asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from local import cli
from local.stack import LocalStack
from tests.picture_labels import overlapping, read_picture
from tests.stack_probes import sixpotify

METALLICA = "2ye2Wgw4gimLv2eAKyk1NB"
# Metallica's closest in the catalog, then well-known artists of other genre families.
METAL = {
    "Slayer": "1IQ2e1buppatiN1bxUVkrk",
    "Megadeth": "1Yox196W7bzVNZI7RBaPnf",
    "Anthrax": "3JysSUOyfVs1UQ0UaESheP",
    "Dio": "4CYeVo5iZbtYGBN4Isc3n6",
}
OTHERS = {
    "Drake": "3TVXtAsR1Inumwj472S9r4",
    "Taylor Swift": "06HL4z0CvFAxyc27GXpf02",
    "BTS": "gSnoj6iJbI1vnVTlddvdEZ",
    "Miles Davis": "0kbYTNQb4Pb1rPbbaF0pT4",
    "Johnny Cash": "6kACVPfCOnqzgfEF5ryl0x",
    "Stevie Wonder": "7guDJrEfX3qb6FEbdPA5qi",
}
STORED = 1 + len(METAL) + len(OTHERS)


def _ingest(stack: LocalStack, name: str) -> None:
    stack.ingest([METALLICA, *METAL.values(), *OTHERS.values()], name=name)


def test_the_map_draws_every_stored_artist_and_shows_the_best_known_names(
    clean_stack: LocalStack, state_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given Metallica, four metal bands and six well-known artists of other genres stored
    _ingest(clean_stack, "map-space")
    # When the whole map is drawn
    out = tmp_path / "map.png"
    printed = sixpotify(state_dir, capsys, "map", "--out", str(out))
    # Then the picture is a PNG of a sensible size, titled with the stack's artist count
    picture = read_picture(out)
    assert (picture.width, picture.height) == (1300, 900)
    assert out.stat().st_size < 300_000
    assert picture.title.endswith(f"{STORED} artists")
    # And it shows the names of Metallica and the best-known of the others, apart
    assert {"Metallica", "Drake", "Taylor Swift", "BTS"} <= picture.shown
    assert overlapping(picture.boxes) == []
    assert f"wrote {out} naming {len(picture.recorded)} artists" in printed


def test_the_map_around_an_artist_named_loosely_shows_it_and_its_neighbours(
    clean_stack: LocalStack, state_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the same artists stored
    _ingest(clean_stack, "map-around")
    # When the map around "metallica", typed as a person would, is drawn with five neighbours
    out = tmp_path / "around.png"
    sixpotify(
        state_dir, capsys, "map", "--around", "metallica", "--neighbours", "5", "--out", str(out)
    )
    # Then it shows Metallica and five neighbours, its closest metal bands among them
    picture = read_picture(out)
    assert picture.title.endswith("neighbourhood of Metallica")
    assert "Metallica" in picture.shown
    assert len(picture.shown) == 6
    assert {"Slayer", "Megadeth"} <= picture.shown
    assert overlapping(picture.boxes) == []


def test_the_map_around_an_unknown_name_fails_with_a_reason(
    clean_stack: LocalStack, state_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a stack that stores no artist
    out = tmp_path / "around.png"
    # When the map around a name is asked for
    status = cli.main(
        ["--state-dir", str(state_dir), "map", "--around", "Metallica", "--out", str(out)]
    )
    # Then it fails, says the name is unknown, and writes no picture
    assert status == 1
    assert "no stored artist is named 'Metallica'" in capsys.readouterr().err
    assert not out.exists()


def test_the_map_of_a_stack_with_no_artists_fails_with_a_reason(
    clean_stack: LocalStack, state_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a stack that stores no artist
    out = tmp_path / "map.png"
    # When the whole map is asked for
    status = cli.main(["--state-dir", str(state_dir), "map", "--out", str(out)])
    # Then it fails, says to ingest artists first, and writes no picture
    assert status == 1
    assert "ingest some artists first" in capsys.readouterr().err
    assert not out.exists()
