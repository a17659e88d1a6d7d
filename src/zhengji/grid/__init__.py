"""Grassroots governance 基层治理: "一中心一张网十联户" — the comprehensive governance centre,
grids under villages/communities, ten-household groups — with dispute mediation
(矛盾纠纷排查化解), 法律明白人, mediators and volunteers, as channels and indicators.
See ``docs/grid.md``.

Pure core: ``structure`` (the tree and its validation), ``mediation`` (the dispute state
machine), ``deadlines`` (time limits by risk, TOML), ``indicators`` (observation rows).
Service functions over a ``Session``: ``roster`` (store the structure, erase people),
``visits`` (visits and issues → citizen requests via the voice workflow), ``disputes``
(register, steps, who may see parties), ``volunteers`` (hours, eco conversion), ``facts``
(indicator inputs from the store, for the whole city or one subtree), ``views`` (the read
models of the pages: the tree, dispute rows, a node's people and households). Adapters:
``importer`` (CSV/XLSX), ``units`` (townships above villages), ``ecopoints`` (eco accounts).
"""
