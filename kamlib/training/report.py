"""A cohort's progress through the course, from the students' executed notebooks.

Each check's output keeps the exercise's record in its metadata (`session.METADATA_KEY`): the
exercise, whether an answer was ever right, how many different answers were tried. This module
reads a folder of students' notebooks — one subfolder per student (their student copy handed
back), or files named after the student beside the course's name (alice-T2_environment)
— and tells, per student and exercise: right, attempted, or not answered, with the attempts; and
which exercises the cohort found hardest (fewest right among those who answered, then most attempts; an exercise nobody answered comes
last, as not reached).

`kam training report DIR` prints it and writes it as HTML and CSV.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from html import escape
from pathlib import Path

from kamlib.errors import InputError, Problem, UsageError
from kamlib.method.wording import plural
from kamlib.training.exercises import EXERCISES, Exercise
from kamlib.training.quiz import QUESTIONS, STAGES
from kamlib.training.session import METADATA_KEY

RIGHT, ATTEMPTED, NOT_ANSWERED = "right", "attempted", "not answered"
REPORT_NAME = "training-report"


@dataclass(frozen=True)
class StudentProgress:
    """One student on one exercise."""

    student: str
    exercise: Exercise
    status: str
    attempts: int

    @property
    def cell(self) -> str:
        """The table cell: `right (2 tries)`, `attempted (3 tries)` or `not answered`."""
        if self.status == NOT_ANSWERED:
            return NOT_ANSWERED
        return f"{self.status} ({plural(self.attempts, 'try', 'tries')})"


@dataclass(frozen=True)
class Difficulty:
    """How the cohort did on one exercise."""

    exercise: Exercise
    right: int
    attempted: int
    not_answered: int
    mean_attempts: float | None  # over the students who answered

    @property
    def students(self) -> int:
        """The cohort's size."""
        return self.right + self.attempted + self.not_answered


@dataclass(frozen=True)
class CohortReport:
    """Every student's progress, and the exercises from hardest to easiest."""

    students: list[str]
    progress: dict[tuple[str, str], StudentProgress]
    hardest: list[Difficulty]
    quiz: dict[tuple[str, str], int]  # (student, before|after) → score

    def quiz_cell(self, student: str, stage: str) -> str:
        """`7 of 10`, or `not taken`."""
        score = self.quiz.get((student, stage))
        return "not taken" if score is None else f"{score} of {len(QUESTIONS)}"

    def quiz_means(self) -> dict[str, float | None]:
        """The cohort's mean score before and after the course (None: nobody took it)."""
        means: dict[str, float | None] = {}
        for stage in STAGES:
            scores = [v for (_, st), v in self.quiz.items() if st == stage]
            means[stage] = sum(scores) / len(scores) if scores else None
        return means


def _notebooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def student_of(path: Path, folder: Path) -> str:
    """Who a notebook belongs to: its subfolder under `folder`, else its name without the course
    notebook's (alice-T2_environment → alice), else the folder's name (one student's copy)."""
    relative = path.relative_to(folder)
    if len(relative.parts) > 1:
        return relative.parts[0]
    stem = path.stem
    for notebook in sorted({e.notebook for e in EXERCISES.values()}, key=len, reverse=True):
        if notebook in stem:
            rest = stem.replace(notebook, "").strip(" -_.")
            return rest or folder.resolve().name
    return stem


def _records(path: Path) -> dict[str, dict]:
    """The last record of each exercise in one executed notebook (raises ValueError if unreadable)."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"not a readable notebook ({err.__class__.__name__}: {err})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError("not a notebook: it has no list of cells")
    found: dict[str, dict] = {}
    for cell in nb["cells"]:
        outputs = cell.get("outputs", []) if isinstance(cell, dict) else []
        for output in outputs if isinstance(outputs, list) else []:
            record = output.get("metadata", {}).get(METADATA_KEY) if isinstance(output, dict) else None
            if isinstance(record, dict) and (record.get("exercise") in EXERCISES or
                                             record.get("exercise") in STAGES.values()):
                found[record["exercise"]] = record
    return found


def read_cohort(folder: Path) -> CohortReport:
    """Read every notebook under `folder`. A folder without notebooks is a `UsageError`; a file that
    is not a notebook an `InputError` naming it (nothing is reported half)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder: give the folder that holds the students' notebooks")
    paths = _notebooks(folder)
    if not paths:
        raise UsageError(f"no notebooks (.ipynb) in {folder}: collect the students' executed notebooks there, "
                         "one subfolder per student")
    problems: list[Problem] = []
    best: dict[tuple[str, str], dict] = {}
    for path in paths:
        try:
            records = _records(path)
        except ValueError as err:
            problems.append(Problem(str(path), None, "", str(err)))
            continue
        student = student_of(path, folder)
        for exercise_id, record in records.items():
            key = (student, exercise_id)
            seen = best.get(key)
            if seen is None or (bool(record.get("ever_right")), record.get("attempts", 0)) > \
                    (bool(seen.get("ever_right")), seen.get("attempts", 0)):
                best[key] = record
        best.setdefault((student, ""), {})
    if problems:
        raise InputError(problems)
    students = sorted({s for s, _ in best}, key=str.lower)
    progress = {}
    for student in students:
        for exercise in EXERCISES.values():
            record = best.get((student, exercise.id), {})
            attempts = int(record.get("attempts") or 0)
            status = RIGHT if record.get("ever_right") else ATTEMPTED if attempts else NOT_ANSWERED
            progress[(student, exercise.id)] = StudentProgress(student, exercise, status, attempts)
    quiz = {(s, stage): int(best[(s, ex)]["score"]) for s in students for stage, ex in STAGES.items()
            if isinstance(best.get((s, ex), {}).get("score"), int)}
    return CohortReport(students, progress, _hardest(students, progress), quiz)


def _hardest(students: list[str], progress: dict[tuple[str, str], StudentProgress]) -> list[Difficulty]:
    rows = []
    for exercise in EXERCISES.values():
        mine = [progress[(s, exercise.id)] for s in students]
        answered = [p.attempts for p in mine if p.status != NOT_ANSWERED]
        rows.append(Difficulty(exercise, sum(p.status == RIGHT for p in mine), sum(p.status == ATTEMPTED for p in mine),
                               sum(p.status == NOT_ANSWERED for p in mine),
                               sum(answered) / len(answered) if answered else None))
    # answered by nobody is not reached, not hard: last; else fewest right among those who answered, most tries
    return sorted(rows, key=lambda d: (d.mean_attempts is None, d.right / max(d.students - d.not_answered, 1),
                                       -(d.mean_attempts or 0)))


def short_name(exercise: Exercise) -> str:
    """`T2`, or `T5.1`, `T5.2` where a notebook has more than one exercise."""
    module = exercise.notebook.split("_")[0]
    same = [e for e in EXERCISES.values() if e.notebook == exercise.notebook]
    return module if len(same) == 1 else f"{module}.{same.index(exercise) + 1}"


def _label(exercise: Exercise) -> str:
    return f"{short_name(exercise)} {exercise.title}"


def hardest_lines(report: CohortReport, top: int = 3) -> list[str]:
    """The exercises the cohort found hardest, in words."""
    lines = []
    for d in report.hardest[:top]:
        if d.mean_attempts is None:
            lines.append(f"{_label(d.exercise)}: nobody has answered it yet")
            continue
        tries = f", {d.mean_attempts:.1f} tries on average"
        lines.append(f"{_label(d.exercise)}: {d.right} of {plural(d.students, 'student')} right, "
                     f"{d.attempted} still trying, {d.not_answered} not answered{tries}")
    return lines


def quiz_line(report: CohortReport) -> str:
    """The cohort's quiz before and after the course, in words."""
    means = report.quiz_means()
    said = [f"{stage} {means[stage]:.1f} of {len(QUESTIONS)}" if means[stage] is not None else f"{stage}: not taken"
            for stage in STAGES]
    return "Quiz, mean score: " + "; ".join(said)


def as_text(report: CohortReport) -> str:
    """The report for a terminal: a row per student, then the hardest exercises."""
    exercises = list(EXERCISES.values())
    header = ["student", *(short_name(e) for e in exercises), "quiz before", "quiz after"]
    rows = [[s, *(report.progress[(s, e.id)].cell for e in exercises),
             report.quiz_cell(s, "before"), report.quiz_cell(s, "after")] for s in report.students]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header, *rows]]
    lines += ["", "Exercises: " + "; ".join(_label(e) for e in exercises),
              "", "Hardest for this cohort:", *(f"  {line}" for line in hardest_lines(report)),
              "", quiz_line(report)]
    return "\n".join(lines)


def write_csv(report: CohortReport, path: Path) -> Path:
    """One row per student and exercise: student, notebook, exercise, status, attempts."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["student", "notebook", "exercise", "status", "attempts"])
        for s in report.students:
            for e in EXERCISES.values():
                p = report.progress[(s, e.id)]
                out.writerow([s, e.notebook, e.title, p.status, p.attempts])
            for stage in STAGES:
                score = report.quiz.get((s, stage))
                out.writerow([s, "", f"quiz {stage} the course", "not taken" if score is None else "taken",
                              "" if score is None else score])
    return path


COLOURS = {RIGHT: "#d9f0d3", ATTEMPTED: "#fee8c8", NOT_ANSWERED: "#f0f0f0"}


def as_html(report: CohortReport, title: str = "Training course: the cohort's progress") -> str:
    """The report as one HTML page: the students' grid, coloured by status, and the hardest exercises."""
    exercises = list(EXERCISES.values())
    head = "".join(f"<th>{escape(_label(e))}</th>" for e in exercises) + "<th>quiz before</th><th>quiz after</th>"
    body = "".join(
        f"<tr><th>{escape(s)}</th>" + "".join(
            f"<td style='background:{COLOURS[report.progress[(s, e.id)].status]}'>"
            f"{escape(report.progress[(s, e.id)].cell)}</td>" for e in exercises)
        + "".join(f"<td>{escape(report.quiz_cell(s, stage))}</td>" for stage in STAGES) + "</tr>"
        for s in report.students)
    hardest = "".join(f"<li>{escape(line)}</li>" for line in hardest_lines(report, len(exercises)))
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            "<style>body{font-family:sans-serif;margin:2rem}table{border-collapse:collapse}"
            "th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}</style></head><body><main>"
            f"<h1>{escape(title)}</h1><p>{plural(len(report.students), 'student')}. Right: an answer was right; "
            "attempted: answered, not right yet; tries: different answers.</p>"
            f"<table><thead><tr><th>student</th>{head}</tr></thead><tbody>{body}</tbody></table>"
            f"<h2>Hardest first</h2><ol>{hardest}</ol><p>{escape(quiz_line(report))}</p></main></body></html>")


def write_report(report: CohortReport, folder: Path) -> tuple[Path, Path]:
    """Write `training-report.html` and `training-report.csv` into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    html = folder / f"{REPORT_NAME}.html"
    html.write_text(as_html(report), encoding="utf-8")
    return html, write_csv(report, folder / f"{REPORT_NAME}.csv")
