"""A student's session with the course: feedback, attempts, what is revealed when, friendly slips.

Every check returns `Feedback`. The kernel keeps a `Record` per exercise: how many different
answers the student tried (`attempts`), how many of them were well formed (`tries`: a slip such
as a string for a list is answered, not counted towards the reveal), and whether one was right.
Hints get stronger with each try; the answer, and any table that gives it away (`reveal`), shows
only after a right answer or `REVEAL_AFTER` tries. Running the same answer again is no new try,
so the answer cannot be had by pressing Shift-Enter three times.

The feedback carries its record in the output's metadata (`kam-training`), so the executed
notebook keeps the attempts for `kam training report`.

`friendly_errors()` turns a `NameError` in the notebook (a class name typed without quotes, an
answer cell not run) into one sentence that says what to do, instead of a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import Any

METADATA_KEY = "kam-training"
REVEAL_AFTER = 3


@dataclass(frozen=True, repr=False)
class Feedback:
    """The verdict on one answer: True (right), False (not yet right) or None (not answered).

    `slip` marks an answer that could not be read (wrong type, a string for a list …): it gets
    a friendly message and does not count as a try towards the reveal."""

    correct: bool | None
    lines: list[str] = field(default_factory=list)
    slip: bool = False
    exercise: str = ""
    attempts: int = 0
    tries: int = 0
    ever_right: bool = False
    score: int | None = None   # a quiz's score
    title: str | None = None   # a headline of its own (a quiz's score)

    @property
    def headline(self) -> str:
        """The verdict in words: `Right.`, `Not quite yet.`, `Not answered yet.`, `Not readable yet.`, or the title."""
        if self.slip:
            return "Not readable yet."
        if self.title:
            return self.title
        return {True: "Right.", False: "Not quite yet.", None: "Not answered yet."}[self.correct]

    def metadata(self) -> dict[str, Any]:
        """What the executed notebook keeps for the cohort report."""
        kept = {"exercise": self.exercise, "correct": self.correct, "attempts": self.attempts,
                "tries": self.tries, "ever_right": self.ever_right}
        return kept if self.score is None else {**kept, "score": self.score}

    def __str__(self) -> str:
        return "\n".join([self.headline, *(f"- {line}" for line in self.lines)])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = "#5b6673" if self.slip else {True: "#1b7837", False: "#b2182b", None: "#5b6673"}[self.correct]
        items = "".join(f"<li>{escape(line)}</li>" for line in self.lines)
        tried = f" <small>(try {self.tries})</small>" if self.tries and not self.slip else ""
        return (f"<div style='border-left:4px solid {colour};padding:.3rem .8rem'>"
                f"<b style='color:{colour}'>{self.headline}</b>{tried}<ul>{items}</ul></div>")

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict]:
        data = {"text/plain": str(self), "text/html": self._repr_html_()}
        return (data, {METADATA_KEY: self.metadata()}) if self.exercise else (data, {})


@dataclass
class Record:
    """One exercise's history in this kernel: different answers tried, well-formed tries, right yet."""

    attempts: int = 0
    tries: int = 0
    right: bool = False
    seen: set[str] = field(default_factory=set)

    @property
    def revealed(self) -> bool:
        """Whether the answer may show: after a right answer or `REVEAL_AFTER` well-formed tries."""
        return self.right or self.tries >= REVEAL_AFTER


_RECORDS: dict[str, Record] = {}


def record_of(exercise: str) -> Record:
    """The exercise's record in this kernel (a fresh one if it was never tried)."""
    return _RECORDS.setdefault(exercise, Record())


def reset() -> None:
    """Forget every attempt (a new student at the same kernel; the tests)."""
    _RECORDS.clear()


def judged(exercise: str, answer: Any, judge: Callable[[int], Feedback], attempt: int | None = None) -> Feedback:
    """Judge `answer` at the right strength and record it.

    `judge(level)` returns the feedback for the `level`-th try (1 = first; at `REVEAL_AFTER` and
    beyond it may name the answer). With `attempt` given, that level is used and nothing is
    recorded (for tests and the trainer's guide)."""
    if attempt is not None:
        feedback = judge(attempt)
        return _stamped(feedback, exercise, attempt, attempt, bool(feedback.correct))
    record = record_of(exercise)
    key = repr(answer)
    new = key not in record.seen
    level = record.tries + (1 if new else 0)
    feedback = judge(max(level, 1))
    if new:
        record.seen.add(key)
        record.attempts += 1
        if not feedback.slip:
            record.tries += 1
    record.right = record.right or bool(feedback.correct)
    return _stamped(feedback, exercise, record.attempts, record.tries, record.right)


def not_answered(exercise: str, lines: list[str]) -> Feedback:
    """The feedback for an answer still `...`: nothing recorded as tried."""
    record = record_of(exercise)
    return _stamped(Feedback(None, lines), exercise, record.attempts, record.tries, record.right)


def _stamped(feedback: Feedback, exercise: str, attempts: int, tries: int, right: bool) -> Feedback:
    return Feedback(feedback.correct, feedback.lines, feedback.slip, exercise, attempts, tries, right, feedback.score,
                    feedback.title)


@dataclass(frozen=True)
class Locked:
    """What shows instead of an answer-revealing table before the exercise is solved."""

    exercise: str

    def __str__(self) -> str:
        return (f"This shows once your answer is right, or after {REVEAL_AFTER} different tries: "
                "work the exercise first.")

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return f"<p style='color:#5b6673'><i>{escape(str(self))}</i></p>"


def reveal(exercise: str, show: Callable[[], Any]) -> Any:
    """`show()` once the exercise is solved or tried `REVEAL_AFTER` times, else a `Locked` note."""
    return show() if record_of(exercise).revealed else Locked(exercise)


# --- slips in the notebook itself: a name without quotes, an answer cell not run -------------------

ANSWER_NAMES: set[str] = set()  # the answer variables of the course, filled by the exercises


def name_error_message(error: NameError) -> str:
    """One friendly sentence for a NameError in a course notebook."""
    found = re.search(r"name '([^']+)' is not defined", str(error))
    name = found.group(1) if found else str(error)
    if name in ANSWER_NAMES:
        return (f"`{name}` has no value yet: run the answer cell above first (and fix what it says), "
                "then run this cell again.")
    return (f"Python does not know the name `{name}`. If you meant it as text — a class, a criterion, "
            f"an id — put it in quotes: \"{name}\". If it is the answer of an earlier cell, run that cell first.")


def friendly_errors() -> None:
    """In a notebook, show a NameError as one sentence that says what to do, not a traceback."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - the course always runs under IPython
        return
    shell = get_ipython()
    if shell is None:
        return

    def handler(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> list[str]:
        # IPython drops what a handler returns for an error in a cell: show the sentence ourselves
        from IPython.display import display

        display(Feedback(False, [name_error_message(value)] if isinstance(value, NameError) else [str(value)],
                         slip=True))
        return []

    shell.set_custom_exc((NameError,), handler)
