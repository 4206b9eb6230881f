"""The progress of a long command: a bar redrawn in place on a terminal, plain lines in a log.

A bar's carriage returns make a captured log one unreadable line, so a stream that is not a
terminal gets a line now and then instead: when a step starts, each further tenth of the
way, and when it is done.
"""

from __future__ import annotations

from typing import TextIO

# Plain lines report every this many parts of a step's total, not every unit of it.
_PLAIN_STEPS = 10


class ProgressBar:
    """Shows how far each step of a command is (`show`), and ends the step (`finish`)."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self._stream = stream
        self._width = width
        self._on_terminal = stream.isatty()
        self._shown: tuple[str, int, int] | None = None
        self._drawn = False

    def show(self, label: str, done: int, total: int) -> None:
        if self._on_terminal:
            filled = self._width * done // total if total else self._width
            bar = "#" * filled + "-" * (self._width - filled)
            self._write(f"\r{label:<10} [{bar}] {done}/{total}")
            self._drawn = True
        elif self._worth_a_line(label, done, total):
            self._write(f"{label}: {done}/{total}\n")
            self._shown = (label, done, total)

    def finish(self) -> None:
        """Ends the step: the bar's line is kept, and the next step starts afresh."""
        if self._drawn:
            self._write("\n")
        self._drawn = False
        self._shown = None

    def _worth_a_line(self, label: str, done: int, total: int) -> bool:
        if self._shown is None or self._shown[0] != label or self._shown[2] != total:
            return True
        shown_done = self._shown[1]
        return done != shown_done and (
            done == total or _part(done, total) > _part(shown_done, total)
        )

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()


def _part(done: int, total: int) -> int:
    """How many whole tenths of the total are done."""
    return _PLAIN_STEPS * done // total if total else _PLAIN_STEPS
