"""What the repository ships: no file that git tracks may hold a credential."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]

# Shapes of values that grant access: an OAuth token cache, a bearer header, an AWS access
# key ID, a private key, a Meta page access token.
TOKEN_SHAPED = re.compile(
    r'"access_token"\s*:\s*"[A-Za-z0-9._~+/-]{20,}"'
    r"|Bearer [A-Za-z0-9._~+/-]{20,}"
    r"|AKIA[0-9A-Z]{16}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|EAA[A-Za-z0-9]{30,}"
)


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"],  # noqa: S607  # git from PATH, as a developer runs it
        cwd=REPOSITORY,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    return [REPOSITORY / name for name in listed.split("\0") if name]


def test_the_token_check_recognises_a_cached_spotify_token() -> None:
    # Given what spotipy's file cache writes (built here, so this file holds no token)
    cached = '{"access_token": "' + "mkQDf6iW" * 4 + '", "token_type": "Bearer"}'
    # Then the check sees a token in it, and none in an empty one
    assert TOKEN_SHAPED.search(cached)
    assert not TOKEN_SHAPED.search('{"access_token": "", "token_type": "Bearer"}')


def test_no_tracked_file_holds_a_token() -> None:
    # Given every file git tracks
    files = tracked_files()
    # When each is searched for token-shaped values
    holding = [
        str(path.relative_to(REPOSITORY))
        for path in files
        if path.is_file() and TOKEN_SHAPED.search(path.read_text(encoding="utf-8", errors="ignore"))
    ]
    # Then none holds one
    assert files
    assert holding == []
