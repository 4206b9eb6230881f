"""The composition root's overrides are typed: each field is answered by the root's property
of the same name, every adapter a root builds has one, and a name no root builds is refused
rather than silently leaving the real adapter in place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.emf_metrics import UNMEASURED
from handlers.composition import (
    Adapters,
    DatabaseAdapters,
    DatabaseDependencies,
    Dependencies,
    MigrationAdapters,
    MigrationDependencies,
)
from handlers.settings import Settings
from tests.fakes import FakeSpotify

# Nothing listens on the discard port: an adapter built for real by mistake fails at once
# instead of reaching out to a network.
NOWHERE = "http://127.0.0.1:9"


def unreachable_settings() -> Settings:
    return Settings(
        aws_region="eu-west-1",
        aws_endpoint_url=NOWHERE,
        database_url=SecretStr("postgresql://sixpotify@127.0.0.1:9/sixpotify"),
        lake_bucket="lake",
        genres_table="genres",
        waiters_table="waiters",
        messages_table="messages",
        last_answers_table="last-answers",
        requests_queue_url=f"{NOWHERE}/1/requests",
        converse_function="sixpotify-test-converse",
        metric_namespace=None,
        application_secret="app",
        generated_secret="generated",
        spotify_api_url=f"{NOWHERE}/v1/",
        spotify_auth_url=f"{NOWHERE}/api/token",
        graph_api_url=NOWHERE,
    )


# Each kind of overrides, and the root it is given to.
ROOTS: dict[type[Any], Callable[[Any], object]] = {
    DatabaseAdapters: lambda overrides: DatabaseDependencies(unreachable_settings(), overrides),
    Adapters: lambda overrides: Dependencies(unreachable_settings(), overrides),
    MigrationAdapters: lambda overrides: MigrationDependencies(unreachable_settings, overrides),
}


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        pytest.param(kind, field.name, id=f"{kind.__name__}.{field.name}")
        for kind in ROOTS
        for field in fields(kind)
    ],
)
def test_an_overridden_adapter_is_the_one_its_property_answers(kind: type[Any], name: str) -> None:
    # Given a root given this one adapter instead of building it (only its identity matters)
    given = object()
    root = ROOTS[kind](kind(**{name: given}))

    # When a handler asks the root for it
    answered = getattr(root, name)

    # Then it is the one given, not one built from the settings
    assert answered is given


@pytest.mark.parametrize(
    ("kind", "root"),
    [
        (DatabaseAdapters, DatabaseDependencies),
        (Adapters, Dependencies),
        (MigrationAdapters, MigrationDependencies),
    ],
)
def test_every_adapter_a_root_builds_can_be_given_instead(
    kind: type[Any], root: type[object]
) -> None:
    # Given the adapters a root answers: its public properties
    answered = {
        name
        for owner in root.__mro__
        for name, attribute in vars(owner).items()
        if isinstance(attribute, property) and not name.startswith("_")
    }

    # When the fields of its overrides are listed
    overridable = {field.name for field in fields(kind)}

    # Then each adapter has one, and no field names an adapter the root does not build
    assert overridable == answered


def test_an_adapter_no_root_builds_is_refused_when_the_overrides_are_made() -> None:
    # Given a misspelt adapter's name, which the type checker refuses too: strict mypy would
    # fail on this ignore if it were not needed
    # When overrides are made with it / Then they are refused
    with pytest.raises(TypeError, match="spotfy"):
        Adapters(spotfy=FakeSpotify())  # type: ignore[call-arg]


def test_the_adapters_not_given_are_built_from_the_settings() -> None:
    # Given a root given Spotify alone, with settings that name no metric namespace
    spotify = FakeSpotify()
    root = Dependencies(unreachable_settings(), Adapters(spotify=spotify))

    # When a handler asks for Spotify and for the measurements
    answered_spotify, answered_measurements = root.spotify, root.measurements

    # Then Spotify is the one given, and the measurements are built: none are written
    assert answered_spotify is spotify
    assert answered_measurements is UNMEASURED
