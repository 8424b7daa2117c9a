"""Alert rules and incidents: from the track picture to alarms an operator can trust.

Data flows: `scene` (the tracks at one moment, judged once) → each rule (`approach`,
`crossing`, `loitering`, `convoy`, `line_breach`, `equipment`) → `alerter` (findings become
`Alert`s) → `incidents` (alerts grouped, with their lifecycle). Settings: `config`, the
`[rules.*]` sections of the engine's settings file.
"""

from borderwatch.rules.alerter import Alerter
from borderwatch.rules.barrier import BarrierLine
from borderwatch.rules.config import RulesConfig
from borderwatch.rules.incidents import IncidentBook, LifecycleError
from borderwatch.rules.scene import Finding, Scene

__all__ = [
    "Alerter",
    "BarrierLine",
    "Finding",
    "IncidentBook",
    "LifecycleError",
    "RulesConfig",
    "Scene",
]
