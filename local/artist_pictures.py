"""Pictures of artists drawn locally, in place of the photos on Spotify's image CDN, which is
out of reach offline: the artist's initials on a colour taken from its ID, marked as local
so that nobody takes them for Spotify's."""

from __future__ import annotations

import hashlib
from html import escape

SVG_CONTENT_TYPE = "image/svg+xml"
# Spotify's artist images are square, 640 pixels a side; Messenger crops a card's image to
# 1.91:1 around its middle, so everything is drawn between heights 152 and 488.
_SIDE = 640


def artist_picture_svg(artist_id: str, name: str) -> bytes:
    """A square SVG picture: the same artist always gets the same colour."""
    hue = int.from_bytes(hashlib.sha256(artist_id.encode("ascii")).digest()[:2], "big") % 360
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_SIDE}" height="{_SIDE}" '
        f'viewBox="0 0 {_SIDE} {_SIDE}">'
        f'<rect width="{_SIDE}" height="{_SIDE}" fill="hsl({hue}, 55%, 42%)"/>'
        f'<circle cx="320" cy="290" r="130" fill="hsl({hue}, 60%, 30%)"/>'
        '<text x="320" y="290" dy="0.35em" text-anchor="middle" fill="#fff" '
        'font-family="Helvetica, Arial, sans-serif" font-size="120" font-weight="700">'
        f"{escape(initials(name))}</text>"
        '<text x="320" y="465" text-anchor="middle" fill="#fff" fill-opacity="0.75" '
        'font-family="Helvetica, Arial, sans-serif" font-size="34">local picture</text>'
        "</svg>"
    ).encode()


def initials(name: str) -> str:
    """The first letters of the name's first two words, e.g. "JC" for Johnny Cash."""
    words = name.split() or ["?"]
    return "".join(word[0] for word in words[:2]).upper()
