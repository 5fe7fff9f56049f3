"""The trainer's printed kit, built from the case: a case brief, the quiz (and its key, for the
trainer only), and role-play briefs with observer checklists.

Every figure comes from the case files through the method's functions, so a change to the case
changes the handouts. `kam training handouts DIR` writes them as HTML and prints each to PDF
with the workbook's printer (`kamlib.publishing.pdf`) when a Chromium is on the machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path

from kamlib.method import competition, risks, targets
from kamlib.method.wording import and_list, money, percent
from kamlib.parameters import workbook
from kamlib.parameters.loader import Portfolio
from kamlib.parameters.model import US, readable
from kamlib.training import quiz

STYLE = """
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; line-height: 1.4; color: #222; }
h1 { font-size: 18pt; margin: 0 0 .4em; } h2 { font-size: 13pt; margin: 1.2em 0 .3em; break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: .4em 0; break-inside: avoid; }
th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
.num { text-align: right; } .box { display: inline-block; width: 6em; border-bottom: 1px solid #444; }
.page { break-before: page; } .private { border: 2px solid #444; padding: .4em .8em; margin: .6em 0; }
.check td:first-child { width: 1.4em; }
"""


@dataclass(frozen=True)
class Handout:
    """One printable handout: its file name (without extension), title and HTML page."""

    name: str
    title: str
    html: str


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><main><h1>{escape(title)}</h1>{body}</main></body></html>")


def _table(header: list[str], rows: list[list[object]], numeric: tuple[int, ...] = ()) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(
        f"<td class='num'>{escape(str(v))}</td>" if i in numeric else f"<td>{escape(str(v))}</td>"
        for i, v in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def case_brief(plan_: workbook.AccountPlan, whole: Portfolio) -> Handout:
    """The case on paper: the customer, our place in the account, the forces, the plan as it
    stands, and the portfolio's figures (profit left for the students to work out)."""
    account, settings = plan_.account, plan_.settings
    currency = settings.currency
    business = account.business
    latest = account.financials[-1]
    share = competition.share_of_wallet(account)
    player = {US: settings.supplier}
    body = [
        f"<p>{escape(account.name)} ({escape(account.industry)}) buys packaging from {escape(settings.supplier)} "
        f"and its competitors. Planning date: {plan_.as_of}.</p>",
        "<h2>The customer</h2>",
        _table(["", ""], [["Strategy", business.strategy.strip()], ["Operations", business.operations],
                          ["Advantages", "; ".join(business.advantages)],
                          ["Disadvantages", "; ".join(business.disadvantages)]]),
        f"<h2>Who holds the customer's packaging spend ({latest.year}: {money(latest.wallet, currency)})</h2>",
        _table(["supplier", "share of wallet", "spend", "ladder"],
               [[player.get(r.player, r.player), percent(r.share, 1), money(r.spend, currency),
                 readable(r.ladder) if isinstance(r.ladder, str) else ""] for r in share.itertuples()], (1, 2)),
        "<h2>Our targets</h2>",
        _table(["year", "measure", "target", f"latest ({latest.year})"],
               [[r.year, r.label, _figure(r.measure, r.target, currency), _figure(r.measure, r.latest, currency)]
                for r in targets.targets_table(account).itertuples()], (2, 3)),
        "<h2>Forces acting on the customer</h2>",
        _table(["", "force", "what is happening", "impact", "likelihood", "horizon"],
               [[f.id or "", readable(f.force), f.description, f"{f.impact:+d}".replace("-", "−"),
                 percent(f.likelihood), f.horizon] for f in account.environment], (3, 4)),
        "<h2>Buying criteria, as the customer scores each supplier (1 to 5)</h2>",
        _table(["criterion", "weight", *(player.get(p, p) for p in [US, *(c.name for c in account.rivals)])],
               [[readable(c.criterion), f"{c.weight:.2f}",
                 *(f"{c.scores[p]:g}" for p in [US, *(r.name for r in account.rivals)])]
                for c in account.buying_criteria], tuple(range(1, 2 + len(account.rivals) + 1))),
        "<h2>People</h2>",
        _table(["at the customer", "title", "influence (1 to 5)", "our owner", "last met"],
               [[c.name, c.title, c.influence, c.owner, c.last_contact] for c in account.relationships], (2,)),
        f"<p>Our team: {escape(and_list(f'{m.name} ({m.role})' for m in account.team))}.</p>",
        "<h2 class='page'>The joint plan as it stands (it has gaps)</h2>",
        f"<p><b>Vision:</b> {escape(account.joint_plan.vision)}<br><b>Mission:</b> "
        f"{escape(account.joint_plan.mission)}</p>",
        _table(["objective", "statement", "due"],
               [[o.id, o.statement, o.due] for o in account.joint_plan.objectives]),
        _table(["strategy", "statement", "serves", "answers"],
               [[s.id, s.statement, ", ".join(s.objectives), ", ".join(s.answers)]
                for s in account.joint_plan.strategies]),
        _table(["project", "title", "strategy", "our owner", "customer owner", "due"],
               [[p.id, p.title, p.strategy, p.owner, p.customer_owner, p.due] for p in account.joint_plan.projects]),
        "<h2>Risks</h2>",
        _table(["risk", "likelihood", "impact (1 to 3)", "owner", "mitigation"],
               [[r.risk, percent(r.likelihood), r.impact, r.owner, r.mitigation.strip()]
                for r in risks.ranked(account)], (1, 2)),
        f"<h2 class='page'>{escape(settings.supplier)}'s training portfolio ({len(whole.accounts)} accounts)</h2>",
        "<p>Work out each account's profit after cost to serve: revenue × gross margin − cost to serve.</p>",
        _table(["account", "revenue", "gross margin", "cost to serve", "profit after cost to serve"],
               [[a.name, money(a.financials[-1].revenue, currency), percent(a.financials[-1].gross_margin),
                 money(a.financials[-1].cost_to_serve, currency), ""]
                for a in sorted(whole.accounts.values(), key=lambda a: -a.financials[-1].revenue)], (1, 2, 3)),
        f"<p>The team can run {whole.settings.capacity} key accounts.</p>",
    ]
    return Handout("case-brief", f"Case brief: {account.name} and {settings.supplier}", _page(
        f"Case brief: {account.name} and {settings.supplier}", "".join(body)))


def _figure(measure: str, value: float | None, currency: str) -> str:
    if value is None:
        return ""
    return percent(value) if measure == "share_of_wallet" else money(value, currency)


def quiz_sheet() -> Handout:
    """The quiz for students to fill in on paper, before and after the course."""
    items = "".join(
        f"<li>{escape(q.text)}<ol type='a'>{''.join(f'<li>{escape(c)}</li>' for c in q.choices)}</ol>"
        "Your answer: <span class='box'></span></li>" for q in quiz.QUESTIONS)
    return Handout("quiz", "Quiz: key account planning", _page(
        "Quiz: key account planning",
        f"<p>Name: <span class='box' style='width:20em'></span> &nbsp; Before / after the course (circle one)</p>"
        f"<ol>{items}</ol><p>Score: <span class='box'></span> of {len(quiz.QUESTIONS)}</p>"))


def quiz_key() -> Handout:
    """The quiz's answers and why, for the trainer."""
    rows = [[n, q.right, q.choices["abc".index(q.right)], q.why] for n, q in enumerate(quiz.QUESTIONS, start=1)]
    return Handout("quiz-key", "Quiz: the answers (trainer only)", _page(
        "Quiz: the answers (trainer only)", _table(["question", "answer", "", "why"], rows)))


def _checklist(items: list[str]) -> str:
    return "<table class='check'>" + "".join(f"<tr><td>☐</td><td>{escape(i)}</td></tr>" for i in items) + \
        "<tr><td></td><td>Notes:<br><br><br></td></tr></table>"


def role_plays(plan_: workbook.AccountPlan, as_of: date | None = None) -> Handout:
    """Two role plays from the case, each with a brief per role and an observer checklist:
    the procurement director announcing the tender; presenting the joint plan to the executive."""
    account, settings = plan_.account, plan_.settings
    currency = settings.currency
    buyer = max(account.relationships, key=lambda c: (c.buying_role == "decision_maker", c.influence))
    champion = max(account.relationships, key=lambda c: (c.attitude, c.influence))
    tender = risks.ranked(account)[0]
    kam = account.team[0]
    scores = competition.weighted_scores(account)
    rival = scores.drop(US).idxmax()
    table = competition.criteria_table(account).set_index("criterion")
    their_edge = [readable(c) for c in table.index if table.loc[c, "gap_to_best"] < 0]
    our_edge = [readable(c) for c in table.index if table.loc[c, "gap_to_best"] > 0]
    latest = account.financials[-1]
    target = targets.target_year(account, as_of or plan_.as_of)
    first = (
        f"<h2>Role play 1: {escape(buyer.name)} announces the tender (20 minutes)</h2>"
        f"<p><b>Situation.</b> {escape(tender.risk)}. {escape(settings.supplier)} holds "
        f"{percent(latest.revenue / latest.wallet)} of the spend; {escape(rival)} holds the most.</p>"
        f"<div class='private'><b>{escape(buyer.name)}, {escape(buyer.title)}</b> (the customer). You must find "
        f"savings this year. You see packaging as a commodity: {escape(rival)} is cheaper on "
        f"{escape(and_list(their_edge))}. You will listen to a total-cost argument only if it comes with figures "
        "and someone from your own operations backs it.</div>"
        f"<div class='private'><b>{escape(kam.name)}, {escape(kam.role)}</b> (us). We lead on "
        f"{escape(and_list(our_edge))}. Our mitigation: {escape(tender.mitigation.strip())} Your aim: not a price "
        f"cut, but a meeting on total cost with {escape(champion.name)} or operations before the tender.</div>"
        "<h2>Observer's checklist</h2>" + _checklist([
            "Asked what the savings target is and how it will be measured, before answering",
            "Spoke to the customer's problem (the fees, the margin), not our product",
            "Put a total-cost figure on the table, not a discount",
            "Proposed to bring the customer's operations in, by name",
            "Did not attack the competitor",
            "Agreed a next step with a date and an owner on each side",
        ]))
    second = (
        f"<h2 class='page'>Role play 2: presenting the joint plan to {escape(account.name)}'s executive "
        "(25 minutes)</h2>"
        f"<p><b>Situation.</b> The plan's vision: {escape(account.joint_plan.vision)} Target for "
        f"{target.year if target else 'next year'}: revenue {money(target.revenue, currency) if target else '—'}. "
        "The students present the plan they completed in module 5.</p>"
        "<div class='private'><b>The customer's executive.</b> You have ten minutes. You want to know what is in "
        "it for you, who on your side must do what, and by when. Push back on anything that looks like our sales "
        "plan rather than a joint one; ask what happened to the last promises.</div>"
        "<div class='private'><b>The account team.</b> Open with what the partnership has done for them, then "
        "the objectives they share, each with its project and the person on their side. Say what you need them "
        "to decide. Do not show our internal assessment of them, nor anything a strategy marked internal.</div>"
        "<h2>Observer's checklist</h2>" + _checklist([
            "Opened with the customer's goals and value already delivered",
            "Every objective shown had a measure, a date and a project",
            "Named an owner on the customer's side for each project",
            "Asked for the decisions needed, clearly",
            "Left out our internal scorecard and internal strategies",
            "Agreed how and when the plan is reviewed together",
        ]))
    return Handout("role-plays", "Role plays and observer checklists", _page(
        "Role plays and observer checklists", first + second))


def build(params_dir: Path | None = None) -> list[Handout]:
    """Every handout, from the course's case (`params_dir`: another case folder)."""
    from kamlib.training.exercises import CASE_ACCOUNT, TRAINING_DIR

    folder = params_dir or TRAINING_DIR / "case"
    plan_ = workbook.open_account(CASE_ACCOUNT, folder)
    whole, _ = workbook.open_portfolio(folder)
    return [case_brief(plan_, whole), quiz_sheet(), quiz_key(), role_plays(plan_)]


def write(handouts: list[Handout], folder: Path) -> list[Path]:
    """Write each handout as `<name>.html` into `folder`; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for h in handouts:
        path = folder / f"{h.name}.html"
        path.write_text(h.html, encoding="utf-8")
        written.append(path)
    return written
