"""The pages and their JSON twins do what the office needs, with the engine's numbers."""

from __future__ import annotations

import io
import math

import openpyxl
import pytest
from tests.web.conftest import Client, World

from zhengji.demo import SYNTHETIC_LABEL


def test_overview_ranks_per_category_with_grades_vetoes_and_trend(
    world: World, clients: dict[str | None, Client]
) -> None:
    admin = clients["admin"]
    ov = admin.get(f"/index.json?run={world.county_run}").json()
    stored = {u["unit_id"]: u for u in world.store.run(world.county_run).result["units"]}
    rows = [r for c in ov["categories"] for r in c["rows"]]
    assert len(rows) == len(stored) == 10 and len(ov["categories"]) == 3
    for r in rows:  # the page shows exactly the recorded run's scores, ranks and grades
        s = stored[r["unit_id"]]
        assert math.isclose(r["score"], s["score"], abs_tol=1e-9)
        assert (r["rank"], r["grade"]) == (s["rank"], s["grade"])
        assert r["visible"] is not None and r["latent"] is not None
    for c in ov["categories"]:
        assert [r["rank_in_category"] for r in c["rows"]] == list(range(1, len(c["rows"]) + 1))
    vetoed = [r for r in rows if r["vetoed"]]
    assert vetoed and {v["unit_id"] for v in ov["vetoes"]} >= {r["unit_id"] for r in vetoed}
    assert ov["run"]["synthetic"] and ov["run"]["reproduced"]
    assert ov["trend"]["periods"][-1] == ov["run"]["period"] and len(ov["trend"]["series"]) == 10
    page = admin.get(f"/?run={world.county_run}", html=True).text
    assert "示例数据（模拟）" in page and SYNTHETIC_LABEL in page and "⚑" in page
    assert "江口县" in page and 'data-chart="trend"' in page and 'data-chart="scatter"' in page


def test_unit_detail_decomposes_the_score(world: World, clients: dict[str | None, Client]) -> None:
    d = clients["assessor"].get(f"/units/jiangkou.json?run={world.county_run}").json()
    total = sum(c["contribution"] for c in d["unit"]["contributions"])
    assert math.isclose(total, d["unit"]["score"], rel_tol=1e-9)  # waterfall ends at the score
    assert len(d["radar"]) == 6 and all(0 <= p["score"] <= 100 for p in d["radar"])
    assert {s["source"] for s in d["sources"]} >= {"statistics", "mass_evaluation", "third_party"}
    assert (
        d["history"][0]["run"] == world.county_run
        and d["history"][0]["grade"] == d["unit"]["grade"]
    )
    assert d["trend"][-1]["score"] == pytest.approx(d["unit"]["score"], abs=1e-4)
    page = clients["assessor"].get("/units/jiangkou", html=True).text
    assert (
        'data-chart="waterfall"' in page and 'data-chart="radar"' in page and "分来源得分" in page
    )


def test_english_switch(world: World, clients: dict[str | None, Client]) -> None:
    c = clients["inspector"]
    zh = c.get("/", html=True).text
    assert '<html lang="zh-CN">' in zh and "考核总览" in zh
    r = c.get("/lang/en?next=/units", html=True)
    assert (
        r.status_code == 303
        and r.headers["location"] == "/units"
        and "lang=en" in r.headers["set-cookie"]
    )
    en = c.get("/", html=True, headers={"Cookie": f"zj_session={c.cookie}; lang=en"}).text
    assert '<html lang="en">' in en and "Assessment overview" in en and "考核总览" not in en
    assert c.get("/lang/en?next=//evil.example", html=True).headers["location"] == "/"


def _versions(world: World) -> int:
    from zhengji.web.services import scheme_versions

    with world.store.transaction() as s:
        return len(scheme_versions(s))


def _upload(c: Client, files: list[tuple[str, bytes]], path: str = "/data/upload", **data: str):
    return c.h.post(
        path,
        data={"csrf_token": c.csrf, **data},
        files=[
            ("files" if path == "/data/upload" else "file", (n, b, "text/plain")) for n, b in files
        ],
        headers={"Cookie": f"zj_session={c.cookie}"},
    )


def test_scheme_tree_with_weights(world: World, clients: dict[str | None, Client]) -> None:
    d = clients["rep_jiangkou"].get("/scheme.json?version=1&category=eco").json()
    leaves = [n for n in d["tree"] if n["type"] == "indicator" and n["share"] is not None]
    assert leaves and math.isclose(sum(n["share"] for n in leaves), 1.0, abs_tol=1e-9)
    assert d["tree"][0]["type"] == "index" and d["tree"][0]["share"] == 1.0
    assert d["scheme"]["synthetic"] is True
    assert clients["rep_jiangkou"].get("/scheme.json?category=nope").status_code == 404


def test_scheme_validation_stores_nothing(world: World, clients: dict[str | None, Client]) -> None:
    c = clients["assessor"]
    before = _versions(world)
    good = (world.bundle / "scheme.toml").read_bytes()
    r = _upload(c, [("scheme.toml", good)], "/scheme/validate")
    assert r.status_code == 200 and r.json()["valid"] and len(r.json()["fingerprint"]) == 64
    bad = good.replace(b'direction = "lower"', b'direction = "upwards"', 1)
    r = _upload(c, [("scheme.toml", bad)], "/scheme/validate")
    assert r.status_code == 422
    assert any("direction" in p["key"] for p in r.json()["problems"]), r.json()
    r = _upload(c, [("scheme.toml", b"[scheme\nid=")], "/scheme/validate")
    assert r.status_code == 422 and "TOML" in r.json()["error"]
    assert _versions(world) == before


def test_compare_scheme_versions(world: World, clients: dict[str | None, Client]) -> None:
    from zhengji.scheme import parse_scheme
    from zhengji.store.ops import scheme_version_id

    toml = (world.bundle / "scheme.toml").read_text(encoding="utf-8")
    old = parse_scheme(toml)
    pillar = old.children(old.index.id)[0]
    assert pillar.weight > 0
    raw = old.model_dump()
    raw["version"] = old.version + "-b"
    for p in raw["pillars"]:
        if p["id"] == pillar.id:
            p["weight"] = pillar.weight * 2
    new = type(old).model_validate(raw)
    with world.store.transaction() as s:
        new_id = scheme_version_id(s, new)
    d = clients["admin"].get(f"/scheme/compare.json?a=1&b={new_id}").json()
    assert not d["diff"]["same"]
    changed = {c["id"] for cat in d["diff"]["categories"] for c in cat["changed"]}
    assert pillar.id in changed
    assert clients["admin"].get("/scheme/compare.json?a=1&b=1").json()["diff"]["same"]
    assert clients["admin"].get("/scheme/compare.json?a=1&b=99999").status_code == 404


def test_a_bad_bundle_points_at_the_cells_and_stores_nothing(
    world: World, clients: dict[str | None, Client]
) -> None:
    c = clients["assessor"]
    imports = len(world.store.imports())
    obs = (world.bundle / "observations.csv").read_text(encoding="utf-8-sig").splitlines()
    header = obs[0].split(",")
    col = header.index("value")
    cells = obs[4].split(",")
    cells[col] = "1,234"  # a thousands separator: refused
    obs[4] = ",".join(f'"{x}"' if "," in x else x for x in cells)
    files = [
        ("units.csv", (world.bundle / "units.csv").read_bytes()),
        ("observations.csv", "\n".join(obs).encode()),
        ("scheme.toml", (world.bundle / "scheme.toml").read_bytes()),
    ]
    r = _upload(c, files)
    assert r.status_code == 422
    problems = r.json()["problems"]
    assert {"file": "observations.csv", "row": 5, "column": "value"}.items() <= problems[0].items()
    assert len(world.store.imports()) == imports
    html = c.h.post(
        "/data/upload",
        data={"csrf_token": c.csrf},
        files=[("files", (n, b, "text/csv")) for n, b in files],
        headers={"Cookie": f"zj_session={c.cookie}", "Accept": "text/html"},
    ).text
    assert "observations.csv" in html and "未写入任何数据" in html
    r = _upload(c, [("evil.sh", b"rm -rf /")])
    assert r.status_code == 422 and len(world.store.imports()) == imports


def test_a_good_bundle_imports_and_a_run_reproduces(
    world: World, clients: dict[str | None, Client]
) -> None:
    from zhengji.pipeline import reproduce_run

    c = clients["assessor"]
    files = [
        (n, (world.bundle / n).read_bytes())
        for n in ("units.csv", "observations.csv", "vetoes.csv")
    ]
    r = _upload(c, files, scheme_version_id="1")  # the stored scheme, no scheme.toml uploaded
    assert r.status_code == 200, r.text
    assert r.json()["rows_added"] == 0 and r.json()["rows_unchanged"] > 1000
    r = c.post("/runs", {"scheme_version_id": "1", "period": "2024"})
    assert r.status_code == 200, r.text
    run_id = r.json()["run_id"]
    assert r.json()["period"] == "2024"
    assert reproduce_run(run_id, db_url=world.url)
    assert any(x["id"] == run_id for x in c.get("/runs.json").json()["runs"])
    ov = c.get(f"/index.json?run={run_id}").json()
    assert ov["run"]["period"] == "2024" and ov["run"]["reproduced"]
    assert c.post("/runs", {"scheme_version_id": "1", "period": "1999"}).status_code == 400


def test_finding_workflow_with_roles(world: World, clients: dict[str | None, Client]) -> None:
    fs = [
        f
        for f in world.store.findings(world.screen_id)
        if f.unit_id == "jiangkou" and f.state == "open"
    ]
    f = fs[-1]
    rep, admin, insp = clients["rep_jiangkou"], clients["admin"], clients["inspector"]
    assert rep.post(f"/findings/{f.id}/confirm", {"text": "我确认"}).status_code == 403
    assert insp.post(f"/findings/{f.id}/explain", {"text": "x"}).status_code == 403
    assert rep.post(f"/findings/{f.id}/explain", {"text": ""}).status_code == 400
    assert (
        rep.post(f"/findings/{f.id}/explain", {"text": "统计口径调整"}).json()["state"]
        == "explained"
    )
    d = admin.get(f"/findings/{f.id}.json").json()
    assert d["finding"]["state"] == "explained" and set(d["actions"]) == {
        "explain",
        "confirm",
        "dismiss",
    }
    assert rep.get(f"/findings/{f.id}.json").json()["actions"] == ["explain"]
    assert insp.get(f"/findings/{f.id}.json").json()["actions"] == []
    r = admin.post(f"/findings/{f.id}/confirm", {"text": "核实确认数据造假"})
    assert r.json()["state"] == "confirmed"
    events = admin.get(f"/findings/{f.id}.json").json()["events"]
    assert [e["action"] for e in events] == ["explain", "confirm"] and "admin" in events[1]["actor"]
    assert admin.post(f"/findings/{f.id}/dismiss", {"text": "再排除"}).status_code == 400
    assert admin.post(f"/findings/{f.id}/bogus", {"text": "x"}).status_code == 404


def test_reports_have_the_same_numbers(world: World, clients: dict[str | None, Client]) -> None:
    c = clients["inspector"]
    ranking = {
        r["unit_id"]: r
        for cat in c.get(f"/index.json?run={world.county_run}").json()["categories"]
        for r in cat["rows"]
    }
    x = c.get(f"/reports/{world.county_run}/city.xlsx")
    assert x.status_code == 200 and "attachment" in x.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(x.content), read_only=True)
    ws = wb["排名 Ranking"]
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] and "Unit id" in str(r[0]))
    cols = [str(h) for h in rows[head]]
    score_col = next(i for i, h in enumerate(cols) if "Score" in h or "得分" in h)
    seen = 0
    for r in rows[head + 1 :]:
        if r[0] in ranking:
            assert math.isclose(r[score_col], ranking[r[0]]["score"], abs_tol=1e-9)
            seen += 1
    assert seen == 10
    h = c.get(f"/reports/{world.county_run}/city.html")
    assert h.status_code == 200 and "江口县" in h.text and "<script" not in h.text.lower()
    assert (
        "'unsafe-inline'" in h.headers["content-security-policy"]
        and "script-src" not in h.headers["content-security-policy"]
    )
    # the city PDF is the same renderer (tests/report/test_pdf.py); here the unit one, faster
    u = clients["rep_jiangkou"].get(f"/reports/{world.county_run}/units/jiangkou.pdf")
    assert u.status_code == 200 and u.content.startswith(b"%PDF")
    uh = clients["rep_jiangkou"].get(f"/reports/{world.county_run}/units/jiangkou.html").text
    assert f"{ranking['jiangkou']['score']:.1f}" in uh and "江口县" in uh
    assert c.get(f"/reports/{world.county_run}/city.docx").status_code == 404
