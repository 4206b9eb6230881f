"""Where the lake bucket keeps what: the raw answers, the Parquet tables, the similarity
rebuild's snapshots. The writers (adapters/), the grants and Glue tables (stacks/) and the
local stack all use these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

RAW_ARTISTS_PREFIX: Final = "raw/spotify/artists"
TABLES_PREFIX: Final = "tables"
SIMILARITY_SNAPSHOT_PREFIX: Final = "similarity/snapshots"


# The column types the lake's Parquet tables use. The writer maps each to an Arrow type
# (adapters/lake_tables.py), the Glue catalog to the Hive type Athena reads it as
# (stacks/glue_columns.py).
ColumnType = Literal["string", "int8", "int16", "int32", "int64", "float64", "date", "strings"]


@dataclass(frozen=True)
class Column:
    """A Parquet column; `required` ones never hold null. "strings" is a list of non-null
    strings."""

    name: str
    type: ColumnType
    required: bool = False


# Required columns are what the domain models always carry; Development Mode apps get no
# popularity or followers, and Spotify leaves some artists without images.
LAKE_TABLES: Final[Mapping[str, tuple[Column, ...]]] = {
    "artists": (
        Column("id", "string", required=True),
        Column("name", "string", required=True),
        Column("popularity", "int16"),
        Column("followers", "int64"),
        Column("image_url", "string"),
        Column("spotify_url", "string", required=True),
        Column("genres", "strings", required=True),
        Column("fetched_on", "date", required=True),
    ),
    "top_tracks": (
        Column("artist_id", "string", required=True),
        Column("rank", "int16", required=True),
        Column("track_id", "string", required=True),
        Column("name", "string", required=True),
        Column("popularity", "int16"),
        Column("spotify_url", "string", required=True),
    ),
    "audio_features": (
        Column("track_id", "string", required=True),
        Column("artist_id", "string", required=True),
        *(Column(name, "float64", required=True) for name in ("danceability", "energy")),
        Column("key", "int8", required=True),
        Column("loudness", "float64", required=True),
        Column("mode", "int8", required=True),
        *(
            Column(name, "float64", required=True)
            for name in (
                "speechiness",
                "acousticness",
                "instrumentalness",
                "liveness",
                "valence",
                "tempo",
            )
        ),
        Column("duration_ms", "int32", required=True),
        Column("time_signature", "int8", required=True),
    ),
}
