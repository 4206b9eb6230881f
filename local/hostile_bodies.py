"""Webhook bodies Meta would never send, for fuzzing the webhook: broken JSON, wrong types,
missing fields, deep nesting, huge fields and arrays, invalid UTF-8, lone surrogates, NULs
and unknown objects, and signatures that do not hold.

Every body is broken somewhere in each of its items, so none holds anything the bot could
answer: a run leaves nothing to reply to, however many bodies it posts. Bodies come from a
seeded generator, so a failing body can be made again from its seed and number.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from domain.webhook import MAX_MESSAGE_ID_CHARS, MAX_TEXT_CHARS
from local.chat import sign

PAGE_ID = "1500000000000001"
# A user who never writes to the page: a body that slipped through would reply to them.
FUZZ_USER = "2999999999999999"

_Maker = Callable[[random.Random], bytes]


def hostile_bodies(count: int, seed: int = 0) -> Iterator[bytes]:
    """count bodies, each from one of the makers below in turn, varied by the seed."""
    rng = random.Random(seed)  # noqa: S311  # reproducible bodies, not security
    for number in range(count):
        yield _MAKERS[number % len(_MAKERS)](rng)


def badly_signed(
    bodies: Sequence[bytes], app_secret: str, count: int, seed: int = 0
) -> Iterator[tuple[bytes, str | None]]:
    """count (body, X-Hub-Signature-256) pairs, bodies taken in turn, that must be refused."""
    rng = random.Random(seed)  # noqa: S311  # reproducible signatures, not security
    for number in range(count):
        body = bodies[number % len(bodies)]
        yield body, _BAD_SIGNATURES[number % len(_BAD_SIGNATURES)](body, app_secret, rng)


def _flipped_last_digit(signature: str) -> str:
    return signature[:-1] + ("1" if signature.endswith("0") else "0")


_BAD_SIGNATURES: list[Callable[[bytes, str, random.Random], str | None]] = [
    lambda body, secret, rng: None,
    lambda body, secret, rng: "",
    lambda body, secret, rng: "sha256=",
    lambda body, secret, rng: sign(body, secret + "x"),
    lambda body, secret, rng: sign(body + b" ", secret),
    lambda body, secret, rng: "sha1=" + sign(body, secret).removeprefix("sha256="),
    lambda body, secret, rng: sign(body, secret)[:-1],
    lambda body, secret, rng: _flipped_last_digit(sign(body, secret)),
    lambda body, secret, rng: "sha256=" + "".join(rng.choices("0123456789abcdef", k=64)),
    lambda body, secret, rng: sign(body, secret).upper(),
]


def _item(**fields: Any) -> dict[str, Any]:
    return {"recipient": {"id": PAGE_ID}, "timestamp": 1, **fields}


def _page(*items: Any) -> dict[str, Any]:
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": 1, "messaging": list(items)}]}


def _encoded(document: Any) -> bytes:
    return json.dumps(document).encode("utf-8")


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(7 if depth < 4 else 4)
    scalars: list[Any] = [
        None,
        rng.random() < 0.5,
        rng.randint(-(2**70), 2**70),
        # No digits: a random string is never a sender ID the webhook would accept.
        "".join(chr(rng.randrange(0x3A, 0x3000)) for _ in range(rng.randrange(12))),
    ]
    if kind < len(scalars):
        return scalars[kind]
    if kind == len(scalars):
        return rng.uniform(-1e300, 1e300)
    if kind == len(scalars) + 1:
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = ("object", "entry", "messaging", "sender", "id", "message", "mid", "text", "postback")
    return {rng.choice(keys): _random_json(rng, depth + 1) for _ in range(rng.randrange(4))}


def _random_document(rng: random.Random) -> bytes:
    return _encoded(_random_json(rng))


def _random_items(rng: random.Random) -> bytes:
    """A page event whose items are random JSON: none has a digits-only sender ID."""
    return _encoded(_page(*(_random_json(rng, 2) for _ in range(rng.randrange(1, 4)))))


def _wrong_types(rng: random.Random) -> bytes:
    wrong: list[Any] = [7, 1.5, True, None, [], {}, [FUZZ_USER]]
    item = _item(
        sender={"id": rng.choice(wrong)},
        message={"mid": rng.choice(wrong), "text": rng.choice(wrong)},
        postback=rng.choice([*wrong[:-1], {"payload": rng.choice(wrong)}]),
    )
    return _encoded(_page(item))


def _missing_fields(rng: random.Random) -> bytes:
    items = [
        _item(message={"mid": "m_fuzz", "text": "Drake"}),
        _item(sender={}, message={"mid": "m_fuzz", "text": "Drake"}),
        _item(sender={"id": FUZZ_USER}, message={"text": "Drake"}),
        _item(sender={"id": FUZZ_USER}, postback={"title": "More like this"}),
        _item(sender={"id": FUZZ_USER}, message={"mid": "m_fuzz", "quick_reply": {}}),
    ]
    envelopes: list[Any] = [
        _page(rng.choice(items)),
        {"object": "page"},
        {"entry": []},
        {"object": "page", "entry": [{"id": PAGE_ID, "messaging": rng.choice(items)}]},
    ]
    return _encoded(rng.choice(envelopes))


def _deep(rng: random.Random) -> bytes:
    depth = rng.choice((33, 100, 1_000, 5_000, 100_000))
    opening, closing = rng.choice(((b"[", b"]"), (b'{"a":', b"}")))
    nested = opening * depth + b"1" + closing * depth
    where = rng.choice(("entry", "item", "sender", "text"))
    if where == "entry":
        return b'{"object": "page", "entry": ' + nested + b"}"
    if where == "item":
        return b'{"object": "page", "entry": [{"messaging": [' + nested + b"]}]}"
    # An item that would be answered, were it not for the deep value where a field is read.
    fields: dict[str, Any] = {"sender": {"id": FUZZ_USER}, "message": {"mid": "m", "text": "@"}}
    if where == "sender":
        fields["sender"] = "@"
    item = _encoded(_item(**fields)).replace(b'"@"', nested)
    return b'{"object": "page", "entry": [{"messaging": [' + item + b"]}]}"


def _huge(rng: random.Random) -> bytes:
    size = rng.choice((300_000, 1_000_000))
    choices = [
        _page(_item(sender={"id": FUZZ_USER}, message={"mid": "m" * size, "text": "Drake"})),
        _page(_item(sender={"id": FUZZ_USER * (size // 16)}, message={"mid": "m_fuzz"})),
        _page(*([_item(sender={"id": "x"})] * (size // 40))),
        _page(_item(sender={"id": FUZZ_USER}, postback={"payload": "P" * size, "mid": "m_fuzz"})),
    ]
    return _encoded(rng.choice(choices))


def _over_a_limit(rng: random.Random) -> bytes:
    """Items that only one of the webhook's limits keeps out."""
    items = [
        _item(sender={"id": ""}, message={"mid": "m_fuzz", "text": "Drake"}),
        _item(sender={"id": FUZZ_USER}, message={"mid": "", "text": "Drake"}),
        _item(
            sender={"id": FUZZ_USER},
            message={"mid": "m" * (MAX_MESSAGE_ID_CHARS + 1), "text": "Drake"},
        ),
        _item(sender={"id": FUZZ_USER}, postback={"payload": "ARTIST:en:\x00", "mid": "m_f"}),
        _item(
            sender={"id": FUZZ_USER}, message={"mid": "m_fuzz", "text": "x" * (MAX_TEXT_CHARS + 1)}
        ),
        _item(sender={"id": FUZZ_USER}, message={"mid": "m\x00", "text": "Drake"}),
        _item(sender={"id": "1e3"}, message={"mid": "m_fuzz", "text": "Drake"}),
        _item(sender={"id": FUZZ_USER}, timestamp=-5, postback={"payload": "P"}),
    ]
    return _encoded(_page(*rng.sample(items, rng.randrange(1, 4))))


def _invalid_utf8(rng: random.Random) -> bytes:
    body = _encoded(_page(_item(sender={"id": FUZZ_USER}, message={"mid": "m_fuzz"})))
    cut = rng.randrange(len(body))
    return (
        body[:cut] + rng.choice((b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf8\x88\x80")) + body[cut:]
    )


def _lone_surrogate(rng: random.Random) -> bytes:
    surrogate = rng.choice(("\\ud800", "\\udfff", "\\ud83d"))
    field = rng.choice(("id", "mid", "text", "payload"))
    item = {
        "id": '{"sender": {"id": "%s"}, "message": {"mid": "m_fuzz"}}',
        "mid": '{"sender": {"id": "' + FUZZ_USER + '"}, "message": {"mid": "%s"}}',
        "text": '{"sender": {"id": "' + FUZZ_USER + '"}, "message": {"mid": "m_f", "text": "%s"}}',
        "payload": '{"sender": {"id": "' + FUZZ_USER + '"}, "postback": {"payload": "%s"}}',
    }[field] % surrogate
    return b'{"object": "page", "entry": [{"messaging": [' + item.encode() + b"]}]}"


def _unknown_object(rng: random.Random) -> bytes:
    item = _item(sender={"id": FUZZ_USER}, message={"mid": "m_fuzz", "text": "Drake"})
    document = _page(item) | {"object": rng.choice(("instagram", "user", "", "PAGE", 7, None))}
    return _encoded(document)


def _not_json(rng: random.Random) -> bytes:
    return rng.choice(
        (b"", b"{", b"null", b"\xef\xbb\xbf{}", b'{"object": "page", "entry": [}', b"NaN")
    ) + bytes(rng.randrange(256) for _ in range(rng.randrange(8)))


_MAKERS: list[_Maker] = [
    _random_document,
    _random_items,
    _wrong_types,
    _missing_fields,
    _deep,
    _huge,
    _over_a_limit,
    _invalid_utf8,
    _lone_surrogate,
    _unknown_object,
    _not_json,
]
