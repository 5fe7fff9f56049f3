"""The course's quiz, taken before the course (T1) and after it (T7): the same ten questions on the
method, scored, so the trainer sees what the day taught (`kam training report` shows both scores).

Before the course the check gives the score only, so the questions stay fresh for the end; after
it, each wrong answer gets the right one and why. The printed handout carries the same questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from kamlib.training import session
from kamlib.training.session import Feedback

STAGES = {"before": "quiz-before", "after": "quiz-after"}


@dataclass(frozen=True)
class Question:
    """One multiple-choice question: the choices lettered a, b, c; the right letter and why."""

    text: str
    choices: tuple[str, ...]
    right: str
    why: str


QUESTIONS = (
    Question("Why has power shifted from sellers to buyers?",
             ("Suppliers have become smaller", "Buyers have more information, more choice and professional purchasing",
              "Prices have risen everywhere"), "b",
             "Buyers find information themselves, can buy worldwide, and run purchasing as a profession."),
    Question("What makes an account a key account?",
             ("It is among our biggest by revenue", "We serve it most efficiently",
              "We judged it strategic and work with it to create value together"), "c",
             "Key account management is not large account management: size alone does not make an account key."),
    Question("Over how long is a key account relationship planned?",
             ("One budget year", "Three to five years", "As long as the contract runs"), "b",
             "A key account relationship is long, transparent and mutual: three to five years."),
    Question("About how many accounts can a supplier run as key accounts?",
             ("Five at most", "Twenty to thirty", "Every account above a revenue threshold"), "b",
             "The effort is deep; about twenty to thirty accounts is what a supplier can sustain."),
    Question("How is a force acting on the customer ranked?",
             ("By |impact| × likelihood", "By how much it is talked about", "By its impact alone"), "a",
             "A likely force with a moderate impact can outrank a dramatic but unlikely one."),
    Question("Our relative strength in an account is 0.9. What does it mean?",
             ("We hold 90% of the customer's spend", "The best competitor scores higher on the criteria the customer "
              "weighs", "We meet 90% of the criteria"), "b",
             "Relative strength is our weighted score over the best competitor's: below 1 we trail."),
    Question("What does the customer scorecard watch?",
             ("How the customer treats us", "How we treat the customer", "Both sides, and the trend over time"), "c",
             "The attributes are mutual: willingness to partner and transparency on both sides, reassessed each cycle."),
    Question("Which accounts are the most profitable?",
             ("The biggest by revenue", "Not necessarily the biggest: rank them by profit after cost to serve",
              "Those with the highest gross margin"), "b",
             "Cost to serve can turn a big account into a loss: the whale curve shows who creates value."),
    Question("What does a project of the joint business plan need?",
             ("An owner on our side", "A deadline and owners on both sides", "A budget approved by sales"), "b",
             "Projects are staffed from both organisations, with dates: the relationship is the whole company's."),
    Question("Two of our accounts compete with each other. What may cross between the teams?",
             ("Anything that helps both customers", "Only our own information, nothing either customer told us",
              "Whatever the account managers agree"), "b",
             "Deep cooperation gives us the customers' secrets; protecting them is what lets them share."),
)


def show() -> Any:
    """The questions as HTML, to answer in the cell below."""
    from IPython.display import HTML

    items = "".join(
        f"<li>{escape(q.text)}<ol type='a'>{''.join(f'<li>{escape(c)}</li>' for c in q.choices)}</ol></li>"
        for q in QUESTIONS)
    return HTML(f"<ol>{items}</ol>")


def check_quiz(stage: str, answer: Any, *, attempt: int | None = None) -> Feedback:
    """The score of a quiz (`stage`: before or after); after the course, the right answers and why."""
    exercise = STAGES[stage]
    if answer is ... or answer is None:
        return session.not_answered(exercise, ["Replace the `...` with your answers, one letter per question, and "
                                               "run both cells again."])
    return session.judged(exercise, answer, lambda level: _quiz(stage, answer), attempt)


def _quiz(stage: str, answer: Any) -> Feedback:
    if not isinstance(answer, dict):
        return Feedback(False, ["Give a dictionary of question number and letter, like {1: \"a\", 2: \"c\"}."],
                        slip=True)
    letters, right, lines = {}, 0, []
    for key, value in answer.items():
        if isinstance(key, bool) or not isinstance(key, int) or not 1 <= key <= len(QUESTIONS):
            return Feedback(False, [f"{key!r} is not a question number: they run from 1 to {len(QUESTIONS)}, "
                                    "without quotes."], slip=True)
        if not isinstance(value, str) or value.strip().lower() not in "abc" or not value.strip():
            return Feedback(False, [f"The answer to question {key} is {value!r}: give the letter a, b or c, in "
                                    "quotes."], slip=True)
        letters[key] = value.strip().lower()
    for n, q in enumerate(QUESTIONS, start=1):
        given = letters.get(n)
        if given == q.right:
            right += 1
        elif stage == "after":
            said = f"you said {given}" if given else "no answer"
            lines.append(f"Question {n}: {q.right}, {q.choices['abc'.index(q.right)].lower()} ({said}). {q.why}")
    if stage == "before":
        lines = ["The answers come at the end of the course, where you take the quiz again."]
    elif right == len(QUESTIONS):
        lines = ["Every answer right."]
    return Feedback(right == len(QUESTIONS), lines, score=right, title=f"You scored {right} of {len(QUESTIONS)}.")


session.ANSWER_NAMES.update({"quiz_before", "quiz_after"})
