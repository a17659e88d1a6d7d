"""The ASEM example bundle through the whole pipeline reproduces COINr's published results.

Expected values: COINr v1.1.14 vignette "Presenting Results" (vignettes/results.Rmd), top six
rows of ``get_results(build_example_coin(), dset = "Aggregated", tab_type = "Aggs")`` printed
to 2 decimals (see tests/data/asem/expected.json for the full citation).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from zhengji.bundle import load_bundle
from zhengji.engine.assess import assess
from zhengji.engine.result import Assessment
from zhengji.testing import assert_printed

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = json.loads((ROOT / "tests/data/asem/expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def result() -> Assessment:
    bundle = load_bundle(ROOT / "examples" / "asem")
    return assess(bundle.scheme, bundle.panel)


def test_asem_coinr_v1_1_14_results_vignette_every_printed_number(result: Assessment) -> None:
    cols = EXPECTED["columns"]
    assert len(result.unit_ids) == EXPECTED["n_units"] == 51
    assert result.screened_out == ()
    for row in EXPECTED["rows"]:
        rec = dict(zip(cols, row, strict=True))
        u = result.unit(rec["uCode"])
        assert result.rank[u] == rec["Rank"]
        for node in cols[2:]:
            assert_printed(result.node_scores[node][u], rec[node], EXPECTED["precision"])


def test_asem_contributions_sum_to_index(result: Assessment) -> None:
    assert result.contributions.sum(axis=1) == pytest.approx(result.score)


def test_asem_treatment_log_names_winsorised_indicators(result: Assessment) -> None:
    """COINr's Treat() winsorises 15 ASEM indicators and log-transforms none."""
    wins = {t.indicator_id for t in result.treatments if t.action == "winsorised"}
    logs = {t.indicator_id for t in result.treatments if t.action == "log_transformed"}
    assert len(wins) == 15
    assert logs == set()
    imputed = {t.indicator_id for t in result.treatments if t.action == "imputed"}
    assert {"Elec", "Gas"} <= imputed  # one unit lacks the Energy denominator


def test_an_indicators_own_outliers_setting_overrides_the_schemes() -> None:
    """COINr's per-indicator treatment specs: switching treatment off for one winsorised
    indicator leaves its raw values and every other indicator's treatment as before."""
    bundle = load_bundle(ROOT / "examples" / "asem")
    base = assess(bundle.scheme, bundle.panel)
    wins = sorted({t.indicator_id for t in base.treatments if t.action == "winsorised"})
    target = wins[0]
    inds = [
        i.model_copy(update={"outliers": "none"}) if i.id == target else i
        for i in bundle.scheme.indicators
    ]
    scheme = bundle.scheme.model_copy(update={"indicators": inds})
    res = assess(scheme, bundle.panel)
    after = sorted({t.indicator_id for t in res.treatments if t.action == "winsorised"})
    assert after == [w for w in wins if w != target]
    j = list(res.indicator_ids).index(target)
    was = base.stages["treated"][:, j], base.stages["imputed"][:, j]
    assert not np.array_equal(*was, equal_nan=True)  # winsorised before …
    now = res.stages["treated"][:, j], res.stages["imputed"][:, j]
    assert np.array_equal(*now, equal_nan=True)  # … left as imputed now
