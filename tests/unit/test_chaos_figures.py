"""The reliability runner's figures, computed from outcomes alone."""

from bench.chaos import Outcome, p99_by_second


def _outcome(due_at: float, latency_ms: float) -> Outcome:
    return Outcome(status=200, due_at=due_at, sent_at=due_at, latency_s=latency_ms / 1000)


def test_the_webhook_tail_is_told_second_by_second_of_the_sending() -> None:
    # Given a hundred quick answers in the first second of a sending and, in the next, two
    # answers that waited through a pause among ninety-eight quick ones
    first = [_outcome(100.0 + i / 100, 5.0) for i in range(100)]
    second = [_outcome(101.0 + i / 100, 300.0 if i in (50, 51) else 6.0) for i in range(100)]

    # When the p99 is taken for each second
    by_second = p99_by_second([*second, *first])

    # Then each second has its own, in order, and the pause shows in the second it fell in
    assert by_second == [5.0, 300.0]


def test_a_sending_of_a_few_messages_has_a_p99_for_each_second() -> None:
    # Given three messages due two seconds apart
    outcomes = [_outcome(0.0, 10.0), _outcome(2.0, 30.0), _outcome(2.5, 20.0)]

    # When the p99 is taken for each second; Then the seconds without messages are skipped
    assert p99_by_second(outcomes) == [10.0, 30.0]
