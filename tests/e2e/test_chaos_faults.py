"""The chaos runner's fault that takes the database away and gives it back (PostgreSQL killed
-9), against `sixpotify local up` in its own process, as `make chaos` runs it: the stack
restarts its embedded server, and Lambda's next try answers what failed meanwhile. The Spotify
faults' answers wait out the queue's delay for a refused search (a minute), so their short
versions are the integration tests of refused lookups and of the stand-in's storms."""

from pathlib import Path

from bench.chaos import run


def test_a_postgres_kill_leaves_every_waiter_answered_once(tmp_path: Path) -> None:
    # When PostgreSQL is killed -9 mid-ingest, with misses and hits sent while it is down
    reports = run(
        ["faults"], seconds=1, rate=10, chosen_faults=["postgres-killed"], work_dir=tmp_path
    )

    # Then, once it is back, the stack answered every waiter exactly once with no operator
    # step, and no secret reached a file
    assert {report.name: report.broken for report in reports} == {"faults": [], "secrets": []}
