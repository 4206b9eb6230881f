from pathlib import Path
from typing import Any

import pytest

from local import cli


def test_local_up_hands_the_send_api_faults_to_the_stack(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given `local up` started with a blocked recipient, one out of reach, and slow sends
    started: dict[str, Any] = {}

    def local_up(state_dir: Path, *args: object, **options: Any) -> int:
        started.update(options)
        return 0

    monkeypatch.setattr(cli, "_local_up", local_up)

    # When the command line is read
    cli.main(
        [
            *("local", "up", "--graph-fail", "2400000000000042=blocked"),
            *("--graph-fail", "2400000000000043=outside_window", "--graph-delay", "1.5"),
        ]
    )

    # Then the stack is started with each
    assert started["graph_failures"] == [
        ("2400000000000042", "blocked"),
        ("2400000000000043", "outside_window"),
    ]
    assert started["graph_delay_seconds"] == 1.5


def test_local_up_refuses_a_failure_the_send_api_does_not_have(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # When `local up` is given an unknown failure / Then it stops before starting anything
    with pytest.raises(SystemExit):
        cli.main(["local", "up", "--graph-fail", "2400000000000042=bored"])
    assert "bored" in capsys.readouterr().err
