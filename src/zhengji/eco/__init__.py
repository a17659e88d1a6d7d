"""Ecological accounts (梵净生态账户) and GEP accounting (生态产品总值). See ``docs/eco.md``.

Pure core: :mod:`~zhengji.eco.rulebook` (scoring rules), :mod:`~zhengji.eco.scoring` (what
counts), :mod:`~zhengji.eco.fraud` (anti-fraud signals), :mod:`~zhengji.eco.gep` and
:mod:`~zhengji.eco.units` (GEP formulas, prices, units), :mod:`~zhengji.eco.indicators`
(derived observation rows). Shell: :mod:`~zhengji.eco.service` (journal in the store),
:mod:`~zhengji.eco.tally` (balances and unit figures of many holders in one grouped read),
:mod:`~zhengji.eco.views` (what the web pages read), :mod:`~zhengji.eco.importer` (CSV),
:mod:`~zhengji.eco.screen` (findings), :mod:`~zhengji.eco.statement` (生态存折 PDF).
"""

from zhengji.eco import records as _records
from zhengji.eco.gep import GepAccount, PriceTable, account, default_prices, load_prices
from zhengji.eco.indicators import account_rows, gep_rows
from zhengji.eco.rulebook import Rulebook, benefit_for, default_rulebook, load_rulebook, tier_for
from zhengji.eco.scoring import Balance, balances
from zhengji.eco.units import Price, Quantity

_records.register()

__all__ = [
    "Balance",
    "GepAccount",
    "Price",
    "PriceTable",
    "Quantity",
    "Rulebook",
    "account",
    "account_rows",
    "balances",
    "benefit_for",
    "default_prices",
    "default_rulebook",
    "gep_rows",
    "load_prices",
    "load_rulebook",
    "tier_for",
]
