"""The people's voice 民生诉求与群众评议: citizen requests over Open311 with time limits and
follow-up, monthly 接诉即办 metrics, mass-evaluation surveys with anonymous one-time tokens,
citizen supervisors. See ``docs/voice.md``.

Pure core: ``lifecycle`` (state machine), ``limits`` (time limits, working days),
``catalogue`` (services), ``units`` (routing), ``metrics`` (monthly rates),
``survey_stats`` (scores, shrinkage, integrity signals).
Service functions over a ``Session``: ``requests`` (submit), ``handling`` (lifecycle steps,
escalation, repeats), ``views`` (public and staff views), ``offline`` (visits), ``importcsv``
(12345 exports), ``facts`` (per-request facts for the metrics), ``surveys``, ``supervisors``,
``ledgering`` (ledger commits). Shell: ``open311`` (the router), ``context``, ``app``
(standalone app), ``xml``.
"""
