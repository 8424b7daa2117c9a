"""The measuring stick: how well alerts and tracks match what really happened in a twin run.

`evaluate(run_dir, alerts_path, tracks_path)` returns every metric as plain JSON;
`format_report` prints it as a short table. The pieces (GOSPA, the Clopper–Pearson interval,
the truth loader, the line-sensor baseline alerter) are usable on their own.
"""

from borderwatch.eval.baseline import BASELINE_NAME, baseline_alerts
from borderwatch.eval.gospa import GospaResult, gospa
from borderwatch.eval.report import evaluate, format_report
from borderwatch.eval.stats import clopper_pearson
from borderwatch.eval.truth import Truth
from borderwatch.eval.truthfile import load_truth

__all__ = [
    "BASELINE_NAME",
    "GospaResult",
    "Truth",
    "baseline_alerts",
    "clopper_pearson",
    "evaluate",
    "format_report",
    "gospa",
    "load_truth",
]
