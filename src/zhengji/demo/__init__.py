"""The synthetic Tongren world (示例数据（模拟）): real county names, invented figures.

``build_world(out_dir, seed)`` writes a county bundle (and a township bundle under
``townships/``) with a demonstration scheme; see ``docs/demo.md``.
"""

from zhengji.demo.world import build_world

__all__ = ["SYNTHETIC_LABEL", "build_world"]

#: Shown on every page, sheet and file made from the demo world.
SYNTHETIC_LABEL = "示例数据（模拟） / synthetic data"
