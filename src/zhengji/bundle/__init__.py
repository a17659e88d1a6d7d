"""Data bundles: a CSV directory or XLSX workbook → validated Scheme + Panel (+ rows).

See ``docs/bundle.md`` for the file layout and every rule.
"""

from zhengji.bundle.load import build_panel, bundle_fingerprint, load_bundle
from zhengji.bundle.model import Bundle, ObservationRow, UnitRow
from zhengji.bundle.write import write_bundle, write_workbook

__all__ = [
    "Bundle",
    "ObservationRow",
    "UnitRow",
    "build_panel",
    "bundle_fingerprint",
    "load_bundle",
    "write_bundle",
    "write_workbook",
]
