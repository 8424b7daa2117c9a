"""The digital twin of the border: movers, sensor models, weather and faults, driven by a
scenario file, producing the wire messages real sensors would send and the ground truth."""

from borderwatch.twin.run import RunSummary, simulate
from borderwatch.twin.scenario import Scenario, library, load_scenario, parse_scenario

__all__ = ["RunSummary", "Scenario", "library", "load_scenario", "parse_scenario", "simulate"]
