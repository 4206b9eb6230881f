"""A few broad families of Spotify's hundreds of genres, for colouring pictures of the
similarity space: each genre falls into the first family one of whose words or phrases it
holds, and an artist into the family its genres vote for, earlier genres counting more."""

from __future__ import annotations

from collections.abc import Sequence

OTHER = "other"

# In order of precedence: a genre goes to the first family naming one of its phrases, so
# "k-pop" is K-pop before pop, "pop rap" hip hop, "blues rock" rock, "rhythm and blues"
# R&B before blues. Phrases are matched as whole words, with hyphens read as spaces.
GENRE_FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("k-pop & Korean", ("k pop", "korean", "k rap", "k indie", "k rock", "trot")),
    ("hip hop & rap", ("hip hop", "rap", "g funk", "hip pop")),
    ("latin", ("latin", "reggaeton", "bossa nova", "mpb", "tex mex", "salsa", "cumbia")),
    (
        "rock & metal",
        (
            "rock",
            "metal",
            "thrash",
            "punk",
            "grunge",
            "new wave",
            "permanent wave",
            "britpop",
            "emo",
            "hardcore",
            "madchester",
            "nwobhm",
            "rockabilly",
            "british invasion",
            "merseybeat",
            "mod revival",
            "oi",
            "canterbury scene",
            "krautrock",
            "beatlesque",
            "neue deutsche harte",
            "new romantic",
            "slowcore",
            "neo progressive",
            "mellow gold",
            "san francisco sound",
            "surf music",
        ),
    ),
    (
        "electronic",
        (
            "electronic",
            "electronica",
            "house",
            "techno",
            "trance",
            "ambient",
            "trip hop",
            "big beat",
            "synthpop",
            "electropop",
            "uk dance",
            "indie dance",
            "downtempo",
            "breakbeat",
            "uk garage",
            "industrial",
            "new age",
            "edm",
            "dubstep",
            "drum and bass",
        ),
    ),
    (
        "r&b, soul & funk",
        (
            "r&b",
            "soul",
            "funk",
            "motown",
            "disco",
            "quiet storm",
            "new jack swing",
            "rhythm and blues",
            "gospel",
            "urban contemporary",
            "minneapolis sound",
        ),
    ),
    (
        "jazz, blues & classical",
        (
            "jazz",
            "blues",
            "bebop",
            "bop",
            "swing",
            "big band",
            "classical",
            "orchestral",
            "tenor",
            "violin",
            "dixieland",
            "minimalism",
            "adult standards",
            "lounge",
            "easy listening",
            "soundtrack",
            "show tunes",
            "opera",
            "operatic",
        ),
    ),
    (
        "country & folk",
        (
            "country",
            "folk",
            "americana",
            "bluegrass",
            "singer songwriter",
            "stomp and holler",
            "nashville sound",
            "celtic",
            "cosmic american",
            "tulsa sound",
            "chanson",
        ),
    ),
    ("pop", ("pop", "europop", "boy band", "girl group", "yé yé")),
)

FAMILIES: tuple[str, ...] = (*(family for family, _ in GENRE_FAMILIES), OTHER)


def genre_family(genre: str) -> str:
    """The family of one genre; OTHER when no family names it (reggae, afrobeat, ...)."""
    words = f" {genre.casefold().replace('-', ' ')} "
    for family, phrases in GENRE_FAMILIES:
        if any(f" {phrase} " in words for phrase in phrases):
            return family
    return OTHER


def artist_family(genres: Sequence[str]) -> str:
    """The family an artist's genres, listed as Spotify orders them, vote for: the first
    genre counts 1, the second 1/2, and so on; a tie goes to the family listed earlier in
    GENRE_FAMILIES."""
    votes: dict[str, float] = {}
    for position, genre in enumerate(genres, start=1):
        family = genre_family(genre)
        if family != OTHER:
            votes[family] = votes.get(family, 0.0) + 1 / position
    if not votes:
        return OTHER
    return max(votes, key=lambda family: (votes[family], -FAMILIES.index(family)))
