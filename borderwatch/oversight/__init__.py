"""Governance: reports a civilian leadership can read (daily, weekly, monthly; Arabic,
French, English; HTML and PDF), every number computed from the event log, and what the
oversight role may see."""

from borderwatch.oversight.figures import Figures
from borderwatch.oversight.period import Period, period_of
from borderwatch.oversight.report import figures_of, write_report

__all__ = ["Figures", "Period", "figures_of", "period_of", "write_report"]
