"""Tracking: detections from every sensor of a sector into tracks, batched over numpy arrays.

One module per role, as in Stone Soup: `motion` (predict), `measurements` (batches and their
models), `gate`, `associate`, `update`, `tracks` (the table), `tracker` (the loop).
"""

from borderwatch.fusion.measurements import MeasurementBatch, PositionBatch, RadarBatch
from borderwatch.fusion.tracker import Tracker, TrackerConfig

__all__ = ["MeasurementBatch", "PositionBatch", "RadarBatch", "Tracker", "TrackerConfig"]
