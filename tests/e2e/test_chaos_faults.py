"""The chaos runner's faults that take a dependency away and give it back (a Spotify 5xx storm,
PostgreSQL killed -9), against `sixpotify local up` in its own process, as `make chaos` runs
them."""

from pathlib import Path

from bench.chaos import run


def test_a_spotify_5xx_storm_and_a_postgres_kill_leave_every_waiter_answered_once(
    tmp_path: Path,
) -> None:
    # When misses are asked during a 10 s Spotify 5xx storm, then PostgreSQL is killed -9
    # mid-ingest with misses and hits sent while it is down
    reports = run(
        ["faults"],
        seconds=1,
        rate=10,
        chosen_faults=["spotify-5xx-storm", "postgres-killed"],
        work_dir=tmp_path,
    )

    # Then, once each dependency is back and the runbook's replays ran, every waiter was
    # answered exactly once, and no secret reached a file
    assert {report.name: report.broken for report in reports} == {"faults": [], "secrets": []}
