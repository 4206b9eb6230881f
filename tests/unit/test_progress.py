"""A long command's progress: a bar redrawn in place on a terminal, plain lines elsewhere."""

from __future__ import annotations

import io

from local.progress import ProgressBar


class TerminalStream(io.StringIO):
    """A text stream that says it is a terminal, as sys.stderr does in a shell."""

    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_bar_redraws_one_line() -> None:
    # Given a bar on a terminal
    stream = TerminalStream()
    bar = ProgressBar(stream, width=10)

    # When it shows two steps of four and finishes
    bar.show("searching", 1, 4)
    bar.show("searching", 2, 4)
    bar.finish()

    # Then each step redraws the line from its start, and the line ends once
    assert stream.getvalue() == ("\rsearching  [##--------] 1/4\rsearching  [#####-----] 2/4\n")


def test_off_a_terminal_progress_is_plain_lines_at_each_tenth_and_the_end() -> None:
    # Given a bar on a stream that is no terminal, as when the output goes to a log
    stream = io.StringIO()
    bar = ProgressBar(stream)

    # When a step of 40 is shown at every unit, repeated units included, and finishes
    for done in (0, 1, 2, 2, 3, 4, 5, 12, 39, 40, 40):
        bar.show("ingesting", done, 40)
    bar.finish()

    # Then a line says where it starts, each tenth crossed and the end, with no bar
    assert stream.getvalue().splitlines() == [
        "ingesting: 0/40",
        "ingesting: 4/40",
        "ingesting: 12/40",
        "ingesting: 39/40",
        "ingesting: 40/40",
    ]


def test_off_a_terminal_each_step_starts_with_a_line_of_its_own() -> None:
    # Given a bar on a stream that is no terminal
    stream = io.StringIO()
    bar = ProgressBar(stream)

    # When one step ends and another starts at the same count
    bar.show("searching", 3, 3)
    bar.finish()
    bar.show("searching", 3, 3)
    bar.show("ingesting", 0, 2)

    # Then every step is announced, and no carriage return or blank line is written
    assert stream.getvalue() == "searching: 3/3\nsearching: 3/3\ningesting: 0/2\n"
