"""Figures the tests measure, printed after the run's results."""

# Lines about how well messages are understood (tests/unit/test_understanding.py).
ACCURACY_LINES: list[str] = []

# Files tests leave for people to look at, such as screenshots, with what each shows.
ARTIFACT_LINES: list[str] = []
