"""A deliberately plain pandas re-implementation of COINr's ``build_example_coin()``.

A cross-check, not a published value: it re-does COINr v1.1.14's pipeline (R/examples.R)
line by line without importing zhengji, so the engine's full 51-unit output can be compared
with it. ``tests/engine/test_treat.py`` checks that it reproduces the top six rows that
COINr's "Presenting Results" vignette prints (tests/data/asem/expected.json).

Pipeline: Denominate (x / denominator) → Impute (i_mean_grp by EurAsia_group) → Screen
(byNA, dat_thresh 0.9, on the imputed data) → Treat (check_SkewKurt, winsorise winmax 5,
else log_CT of the original) → Normalise (direction, n_minmax 0–100) → Aggregate (a_amean
with iMeta weights, level by level).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[1] / "data" / "asem"

__all__ = ["DATA", "build_example_coin", "load_asem"]


def load_asem(data_dir: Path = DATA) -> tuple[pd.DataFrame, pd.DataFrame]:
    """COINr's ASEM_iData and ASEM_iMeta as data frames."""
    return (
        pd.read_csv(data_dir / "coinr_ASEM_iData.csv"),
        pd.read_csv(data_dir / "coinr_ASEM_iMeta.csv"),
    )


def _skew(v: np.ndarray) -> float:
    v = v[~np.isnan(v)]
    n = len(v)
    d = v - v.mean()
    y = np.sqrt(n) * np.sum(d**3) / np.sum(d**2) ** 1.5
    return float(y * np.sqrt(n * (n - 1)) / (n - 2))


def _kurt(v: np.ndarray) -> float:
    v = v[~np.isnan(v)]
    n = len(v)
    d = v - v.mean()
    r = n * np.sum(d**4) / np.sum(d**2) ** 2
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def _passes(v: np.ndarray) -> bool:
    return abs(_skew(v)) < 2 or _kurt(v) < 3.5


def _treat(col: pd.Series) -> pd.Series:
    x = col.to_numpy(dtype=float)
    if _passes(x):
        return col
    w = x.copy()
    imax: list[int] = []
    imin: list[int] = []
    while not _passes(w) and len(imax) + len(imin) < 5:
        if _skew(w) >= 0:
            imax = [i for i in range(len(w)) if w[i] == np.nanmax(w)]
            w[imax] = np.nanmax(np.delete(w, imax))
        else:
            imin = [i for i in range(len(w)) if w[i] == np.nanmin(w)]
            w[imin] = np.nanmin(np.delete(w, imin))
    if _passes(w):
        return pd.Series(w, index=col.index)
    lo, hi = np.nanmin(x), np.nanmax(x)
    return pd.Series(np.log(x - lo + 0.01 * (hi - lo)), index=col.index)


def build_example_coin(data_dir: Path = DATA) -> pd.DataFrame:
    """All indicator, pillar, sub-index and index scores, indexed by uCode (the "Aggregated" dset)."""
    idata, imeta = load_asem(data_dir)
    ind = imeta[imeta["Type"] == "Indicator"]
    codes = list(ind["iCode"])
    df = idata.set_index("uCode")

    # Denominate
    x = df[codes].astype(float).copy()
    for code, den in zip(ind["iCode"], ind["Denominator"], strict=True):
        if isinstance(den, str) and den:
            x[code] = x[code] / df[den]

    # Impute: mean of the unit's EurAsia group, column by column
    grp = df["EurAsia_group"]
    x = x.groupby(grp).transform(lambda s: s.fillna(s.mean()))[codes]

    # Screen: keep data availability >= 0.9
    avail = 1 - x.isna().sum(axis=1) / x.shape[1]
    x = x[~(avail < 0.9)]

    # Treat
    x = x.apply(_treat)

    # Normalise
    direction = dict(zip(ind["iCode"], ind["Direction"], strict=True))
    norm = pd.DataFrame(index=x.index)
    for code in codes:
        v = x[code] * direction[code]
        norm[code] = (v - v.min()) / (v.max() - v.min()) * 100

    # Aggregate
    weight = dict(zip(imeta["iCode"], imeta["Weight"], strict=True))
    for level in (2, 3, 4):
        for parent in imeta.loc[imeta["Level"] == level, "iCode"]:
            kids = list(imeta.loc[imeta["Parent"] == parent, "iCode"])
            vals = norm[kids]
            w = pd.Series([weight[k] for k in kids], index=kids)
            present = vals.notna()
            norm[parent] = (vals.fillna(0) * w).sum(axis=1) / (present * w).sum(axis=1)
    return norm
