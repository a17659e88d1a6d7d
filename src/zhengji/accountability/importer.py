"""Import accountability records from a directory of CSV files (Excel "CSV UTF-8").

Files (all optional, see ``docs/accountability.md`` for every column): ``people.csv``,
``tenures.csv``, ``decisions.csv``, ``projects.csv``, ``responsibilities.csv``,
``milestones.csv``, ``acceptances.csv`` + ``signoffs.csv``, ``outcomes.csv``, ``audits.csv``,
``cases.csv``, ``rulings.csv``. Lists inside a cell are separated by ``;`` (or ``；``), pairs
by ``=``: ``votes`` = ``p1=for;p2=against``, ``funding`` = ``fiscal=2000;debt=8000``.

Reading uses :mod:`zhengji.bundle.tables` and :class:`zhengji.bundle.validate.Problems`, so
errors look like every other bundle error: file, line (as the spreadsheet shows it) and
column, all problems at once. On any problem nothing is stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from zhengji.accountability import codec, service, validate
from zhengji.accountability.attribution import answerable_people
from zhengji.accountability.model import (
    Acceptance,
    Audit,
    Case,
    Decision,
    Dissent,
    Milestone,
    Outcome,
    Project,
    Records,
    Responsibility,
    Ruling,
    Signoff,
    Tenure,
)
from zhengji.accountability.tolerance import CRITERIA, Criteria, propose
from zhengji.bundle.tables import RawTable, read_csv_table
from zhengji.bundle.validate import Problems, parse_number
from zhengji.errors import DataError

__all__ = ["FILES", "ImportSummary", "import_records", "read_records", "to_csv"]

#: file → (required columns, optional columns), in import order.
FILES: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "people.csv": (("person_id", "name"), ("kind",)),
    "tenures.csv": (("code", "person_id", "unit_id", "post", "start"), ("end", "pillars")),
    "decisions.csv": (
        ("code", "unit_id", "type", "title", "held_on", "principal_id", "members"),
        ("meeting", "attendees", "speakers", "votes", "dissent", "recusals", "status"),
    ),
    "projects.csv": (
        ("code", "unit_id", "name", "budget", "funding", "start", "status"),
        ("decision_code", "planned_end", "fiscal_revenue", "designed_use"),
    ),
    "responsibilities.csv": (("project_code", "person_id", "role"), ()),
    "milestones.csv": (("project_code", "name", "due"), ("reached_on",)),
    "acceptances.csv": (("project_code", "accepted_on", "passed"), ()),
    "signoffs.csv": (("project_code", "supervisor_id", "role", "verdict"), ("text",)),
    "outcomes.csv": (
        ("code", "unit_id", "observed_on", "kind", "points", "description"),
        ("project_code", "decision_code", "utilisation"),
    ),
    "audits.csv": (
        ("code", "unit_id", "audited_on", "kind", "auditor", "result", "summary"),
        ("project_code", "person_id", "amount_irregular"),
    ),
    "cases.csv": (
        ("code", "outcome_code", "person_id", "opened_on", "failure"),
        tuple(CRITERIA),
    ),
    "rulings.csv": (("case_code", "ruling", "reviewer", "reason", "ruled_on"), ()),
}
_COMMON_OPTIONAL = ("correction_reason",)
_TRUE = {"1", "true", "yes", "y", "是", "√", "t"}
_FALSE = {"0", "false", "no", "n", "否", "", "f"}


@dataclass(frozen=True)
class ImportSummary:
    people: int
    added: int
    corrected: int
    unchanged: int
    by_kind: Mapping[str, int]


class _Row:
    """One CSV row with typed getters that note problems against file/line/column."""

    def __init__(self, label: str, num: int, cells: Mapping[str, str], problems: Problems):
        self.label, self.line, self.cells, self.problems = label, num, cells, problems
        self.ok = True

    def bad(self, col: str, msg: str) -> None:
        self.ok = False
        self.problems.add(self.label, self.line, col, msg)

    def text(self, col: str, required: bool = True) -> str:
        v = self.cells.get(col, "").strip()
        if required and not v:
            self.bad(col, "必填项为空 required value is empty")
        return v

    def opt(self, col: str) -> str | None:
        return self.cells.get(col, "").strip() or None

    def date(self, col: str, required: bool = True) -> dt.date | None:
        v = self.text(col, required)
        if not v:
            return None
        try:
            return dt.date.fromisoformat(v[:10])
        except ValueError:
            self.bad(col, f"'{v}' 不是日期 not a date: write YYYY-MM-DD, e.g. 2024-03-01")
            return None

    def num(self, col: str, required: bool = True) -> float | None:
        v = self.text(col, required)
        if not v:
            return None
        x = parse_number(v)
        if isinstance(x, str):
            self.bad(col, x)
            return None
        return x

    def flag(self, col: str) -> bool:
        v = self.cells.get(col, "").strip().lower()
        if v in _TRUE:
            return True
        if v not in _FALSE:
            self.bad(col, f"'{v}' 应为 是/否 must be yes/no (是/否, true/false, 1/0)")
        return False

    def items(self, col: str) -> tuple[str, ...]:
        v = self.cells.get(col, "").replace("；", ";")
        return tuple(x.strip() for x in v.split(";") if x.strip())

    def pairs(self, col: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for item in self.items(col):
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                self.bad(col, f"'{item}' 应写成 键=值 must be key=value, e.g. p1=for")
                continue
            out[key.strip()] = value.strip()
        return out


def _tenure(r: _Row) -> Any:
    return Tenure(
        r.text("code"), r.text("person_id"), r.text("unit_id"), r.text("post"),
        r.date("start") or dt.date.min, r.date("end", False), r.items("pillars"),
    )  # fmt: skip


def _decision(r: _Row) -> Any:
    members = r.items("members")
    attendees = r.items("attendees") or members
    return Decision(
        r.text("code"), r.text("unit_id"), r.text("type"), r.text("title"),
        r.text("meeting", False), r.date("held_on") or dt.date.min, r.text("principal_id"),
        members, attendees, r.items("speakers"), r.pairs("votes"),
        tuple(Dissent(p, t) for p, t in r.pairs("dissent").items()), r.items("recusals"),
        r.text("status", False) or "open",
    )  # fmt: skip


def _project(r: _Row) -> Any:
    funding: dict[str, float] = {}
    for k, v in r.pairs("funding").items():
        x = parse_number(v)
        if isinstance(x, str):
            r.bad("funding", f"{k}: {x}")
        else:
            funding[k] = x
    return Project(
        r.text("code"), r.text("unit_id"), r.text("name"), r.opt("decision_code"),
        r.num("budget") or 0.0, funding, r.date("start") or dt.date.min,
        r.date("planned_end", False), r.text("status"), r.num("fiscal_revenue", False),
        r.text("designed_use", False),
    )  # fmt: skip


def _responsibility(r: _Row) -> Any:
    return Responsibility(r.text("project_code"), r.text("person_id"), r.text("role"))


def _milestone(r: _Row) -> Any:
    return Milestone(
        r.text("project_code"), r.text("name"), r.date("due") or dt.date.min,
        r.date("reached_on", False),
    )  # fmt: skip


def _acceptance(r: _Row) -> Any:
    return Acceptance(
        r.text("project_code"), r.date("accepted_on") or dt.date.min, r.flag("passed")
    )


def _outcome(r: _Row) -> Any:
    return Outcome(
        r.text("code"), r.opt("project_code"), r.opt("decision_code"), r.text("unit_id"),
        r.date("observed_on") or dt.date.min, r.text("kind"), r.num("points") or 0.0,
        r.text("description"), r.num("utilisation", False),
    )  # fmt: skip


def _audit(r: _Row) -> Any:
    return Audit(
        r.text("code"), r.text("unit_id"), r.date("audited_on") or dt.date.min, r.text("kind"),
        r.text("auditor"), r.text("result"), r.text("summary"), r.opt("project_code"),
        r.opt("person_id"), r.num("amount_irregular", False) or 0.0,
    )  # fmt: skip


def _case(r: _Row) -> Any:
    criteria = Criteria(**{k: r.flag(k) for k in CRITERIA})
    return Case(
        r.text("code"), r.text("outcome_code"), r.text("person_id"),
        r.date("opened_on") or dt.date.min, r.text("failure"), criteria,
        propose(criteria).decision,
    )  # fmt: skip


def _ruling(r: _Row) -> Any:
    return Ruling(
        r.text("case_code"), r.text("ruling"), r.text("reviewer"), r.text("reason"),
        r.date("ruled_on") or dt.date.min,
    )  # fmt: skip


_PARSERS: Mapping[str, Callable[[_Row], Any]] = {
    "tenures.csv": _tenure,
    "decisions.csv": _decision,
    "projects.csv": _project,
    "responsibilities.csv": _responsibility,
    "milestones.csv": _milestone,
    "acceptances.csv": _acceptance,
    "outcomes.csv": _outcome,
    "audits.csv": _audit,
    "cases.csv": _case,
    "rulings.csv": _ruling,
}
# validate.problems field names → CSV column, where they differ
_COLUMN = {"supervisors": "supervisor_id", "votes": "votes"}


@dataclass(frozen=True)
class _Parsed:
    label: str
    row: int
    obj: Any
    reason: str


def _read(path: Path, problems: Problems) -> RawTable | None:
    table, found = read_csv_table(path)
    problems.extend(found)
    if table is None:
        return None
    required, optional = FILES[path.name]
    allowed = set(required) | set(optional) | set(_COMMON_OPTIONAL)
    for col in required:
        if col not in table.columns:
            problems.add(path.name, 1, col, f"缺少列 missing column '{col}'")
    for col in table.columns:
        if col not in allowed:
            problems.add(
                path.name, 1, col,
                f"未知列 unknown column '{col}'; allowed: {', '.join(sorted(allowed))}",
            )  # fmt: skip
    return table


def read_records(
    directory: Path,
) -> tuple[list[tuple[str, str, str, int]], list[_Parsed], Problems]:
    """Parse every file: people ``(id, name, kind, row)``, records in import order, problems."""
    d = Path(directory)
    problems = Problems()
    if not d.is_dir():
        raise DataError(f"目录不存在 not a directory: {d}")
    present = [name for name in FILES if (d / name).exists()]
    if not present:
        raise DataError(
            f"{d}: 没有问责记录文件 no accountability files; expected any of {', '.join(FILES)}"
        )
    people: list[tuple[str, str, str, int]] = []
    parsed: list[_Parsed] = []
    signoffs: dict[str, list[Signoff]] = {}
    tables = {name: _read(d / name, problems) for name in present}
    if "signoffs.csv" in tables and "acceptances.csv" not in tables:
        problems.add("signoffs.csv", None, None, "须同时提供 acceptances.csv needs acceptances.csv")
    if problems.items:
        return people, parsed, problems
    for name in present:
        table = tables[name]
        if table is None:
            continue
        seen: dict[str, int] = {}
        for num, cells in table.rows:
            r = _Row(name, num, cells, problems)
            if name == "people.csv":
                kind = r.text("kind", False) or "cadre"
                if kind not in ("cadre", "supervisor"):
                    r.bad("kind", f"'{kind}' 应为 must be cadre or supervisor")
                people.append((r.text("person_id"), r.text("name"), kind, num))
                continue
            if name == "signoffs.csv":
                s = Signoff(
                    r.text("supervisor_id"),
                    r.text("role"),
                    r.text("verdict"),
                    r.text("text", False),
                )
                signoffs.setdefault(r.text("project_code"), []).append(s)
                continue
            obj = _PARSERS[name](r)
            if not r.ok:
                continue
            key = codec.code_of(obj)
            if key in seen:
                r.bad(
                    "code",
                    f"编号 '{key}' 与第{seen[key]}行重复 duplicate of row {seen[key]} in this file",
                )
                continue
            seen[key] = num
            parsed.append(_Parsed(name, num, obj, r.text("correction_reason", False)))
    if signoffs:
        known_projects = {p.obj.project_code for p in parsed if isinstance(p.obj, Acceptance)}
        for code in sorted(set(signoffs) - known_projects):
            problems.add(
                "signoffs.csv",
                None,
                "project_code",
                f"'{code}' 在 acceptances.csv 中没有验收记录 no acceptance row",
            )
        parsed = [
            replace(p, obj=replace(p.obj, signoffs=tuple(signoffs.get(p.obj.project_code, ()))))
            if isinstance(p.obj, Acceptance)
            else p
            for p in parsed
        ]
    return people, parsed, problems


def _merged(stored: Records, parsed: list[_Parsed]) -> Records:
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in codec.KINDS:
        attr = _ATTR[kind]
        by_kind[kind] = {codec.code_of(o): o for o in getattr(stored, attr)}
    for p in parsed:
        by_kind[codec.kind_of(p.obj)][codec.code_of(p.obj)] = p.obj
    return Records(**{_ATTR[k]: tuple(v.values()) for k, v in by_kind.items()})


_ATTR = {
    "tenure": "tenures",
    "decision": "decisions",
    "project": "projects",
    "responsibility": "responsibilities",
    "milestone": "milestones",
    "acceptance": "acceptances",
    "outcome": "outcomes",
    "audit": "audits",
    "case": "cases",
    "ruling": "rulings",
}


def import_records(session: Session, directory: Path, by: str) -> ImportSummary:
    """Validate every file, then store people and records in one go (nothing on any error)."""
    people, parsed, problems = read_records(Path(directory))
    stored = service.known(session)
    names = service.person_names(session)
    person_ids = set(stored.people) | {p[0] for p in people}
    for pid, _name, _kind, num in people:
        if pid in names and names[pid] is None:
            problems.add(
                "people.csv", num, "person_id", f"'{pid}' 的个人信息已删除 was erased; use a new id"
            )
    codes = {k: set(v) for k, v in stored.codes.items()}
    for p in parsed:
        codes.setdefault(codec.kind_of(p.obj), set()).add(codec.code_of(p.obj))
    known = validate.Known(frozenset(person_ids), {k: frozenset(v) for k, v in codes.items()})
    current = service.load_records(session)
    merged = _merged(current, parsed)
    old = {
        (k, codec.code_of(o)): codec.encode(o)
        for k in codec.KINDS
        for o in getattr(current, _ATTR[k])
    }
    for p in parsed:
        kind, key = codec.kind_of(p.obj), codec.code_of(p.obj)
        for field, msg in validate.problems(p.obj, known):
            problems.add(p.label, p.row, _COLUMN.get(field, field), msg)
        prev = old.get((kind, key))
        if prev is not None and prev != codec.encode(p.obj) and not p.reason:
            problems.add(
                p.label, p.row, "correction_reason",
                f"'{key}' 已有不同记录：更正须在 correction_reason 列说明理由 already recorded "
                "with different content; a correction needs a reason",
            )  # fmt: skip
        if isinstance(p.obj, Case):
            outcome = next((o for o in merged.outcomes if o.code == p.obj.outcome_code), None)
            if outcome is not None and p.obj.person_id not in answerable_people(merged, outcome):
                problems.add(
                    p.label, p.row, "person_id",
                    f"'{p.obj.person_id}' 不对结果 '{outcome.code}' 负责 is not answerable for it",
                )  # fmt: skip
            if outcome is not None and outcome.kind != "bad":
                problems.add(
                    p.label,
                    p.row,
                    "outcome_code",
                    "只有损失可以容错 only a bad outcome can be a case",
                )
    if problems.items:
        n = len(problems.items) + problems.dropped
        raise DataError(
            f"{directory}: 问责记录有 {n} 个问题，未导入任何内容 "
            f"{n} problem(s); nothing was imported",
            problems.final(),
        )
    for pid, name, kind, _num in people:
        service.add_person(session, pid, name, kind)
    counts: dict[str, int] = {}
    status = {"added": 0, "corrected": 0, "unchanged": 0}
    for p in parsed:
        s = service.record(session, p.obj, by=by, reason=p.reason, check=False)
        status[s.status] += 1
        if s.status != "unchanged":
            counts[s.kind] = counts.get(s.kind, 0) + 1
    return ImportSummary(
        len(people), status["added"], status["corrected"], status["unchanged"], counts
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return ";".join(_cell(v) for v in value)
    if isinstance(value, Mapping):
        return ";".join(f"{k}={_cell(v)}" for k, v in value.items())
    return str(value)


def to_csv(people: Sequence[tuple[str, str, str]], records: Sequence[Any]) -> dict[str, bytes]:
    """The inverse of :func:`read_records`: CSV files (UTF-8) that import back to ``records``.

    Cell lists use ``;`` and pairs ``=``, so free text inside ``dissent`` must not contain them.
    """
    rows: dict[str, list[list[str]]] = {name: [] for name in FILES}
    rows["people.csv"] = [[pid, name, kind] for pid, name, kind in people]
    for r in records:
        if isinstance(r, Tenure):
            rows["tenures.csv"].append(
                [
                    _cell(x)
                    for x in (r.code, r.person_id, r.unit_id, r.post, r.start, r.end, r.pillars)
                ]
            )
        elif isinstance(r, Decision):
            rows["decisions.csv"].append(
                [
                    _cell(x)
                    for x in (
                        r.code, r.unit_id, r.type, r.title, r.held_on, r.principal_id, r.members,
                        r.meeting, r.attendees, r.speakers, r.votes,
                        {d.person_id: d.text for d in r.dissent}, r.recusals, r.status,
                    )
                ]
            )  # fmt: skip
        elif isinstance(r, Project):
            rows["projects.csv"].append(
                [
                    _cell(x)
                    for x in (
                        r.code, r.unit_id, r.name, r.budget, r.funding, r.start, r.status,
                        r.decision_code, r.planned_end, r.fiscal_revenue, r.designed_use,
                    )
                ]
            )  # fmt: skip
        elif isinstance(r, Responsibility):
            rows["responsibilities.csv"].append([r.project_code, r.person_id, r.role])
        elif isinstance(r, Milestone):
            rows["milestones.csv"].append(
                [_cell(x) for x in (r.project_code, r.name, r.due, r.reached_on)]
            )
        elif isinstance(r, Acceptance):
            rows["acceptances.csv"].append(
                [_cell(x) for x in (r.project_code, r.accepted_on, r.passed)]
            )
            for s in r.signoffs:
                rows["signoffs.csv"].append(
                    [r.project_code, s.supervisor_id, s.role, s.verdict, s.text]
                )
        elif isinstance(r, Outcome):
            rows["outcomes.csv"].append(
                [
                    _cell(x)
                    for x in (
                        r.code, r.unit_id, r.observed_on, r.kind, r.points, r.description,
                        r.project_code, r.decision_code, r.utilisation,
                    )
                ]
            )  # fmt: skip
        elif isinstance(r, Audit):
            rows["audits.csv"].append(
                [
                    _cell(x)
                    for x in (
                        r.code, r.unit_id, r.audited_on, r.kind, r.auditor, r.result, r.summary,
                        r.project_code, r.person_id, r.amount_irregular,
                    )
                ]
            )  # fmt: skip
        elif isinstance(r, Case):
            crit = r.criteria.as_dict()
            rows["cases.csv"].append(
                [_cell(x) for x in (r.code, r.outcome_code, r.person_id, r.opened_on, r.failure)]
                + [_cell(crit[k]) for k in CRITERIA]
            )
        elif isinstance(r, Ruling):
            rows["rulings.csv"].append(
                [_cell(x) for x in (r.case_code, r.ruling, r.reviewer, r.reason, r.ruled_on)]
            )
    out: dict[str, bytes] = {}
    for name, body in rows.items():
        if not body:
            continue
        required, optional = FILES[name]
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow((*required, *optional))
        w.writerows(body)
        out[name] = buf.getvalue().encode("utf-8")
    return out
