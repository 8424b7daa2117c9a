"""The running system: ingest → event log → engine → change feed, behind one `Service`.

`Service.start(options)` opens the data directory, rebuilds the picture from the event log
and follows it live; `borderwatch.service.run` adds the listeners (CoT, the API) and the twin.
"""

from borderwatch.service.admission import Admission
from borderwatch.service.changes import ChangeFeed, FallenBehindError, Frame, SensorState
from borderwatch.service.core import Service, ServiceOptions
from borderwatch.service.engine import ActionError, LiveEngine

__all__ = [
    "ActionError",
    "Admission",
    "ChangeFeed",
    "FallenBehindError",
    "Frame",
    "LiveEngine",
    "SensorState",
    "Service",
    "ServiceOptions",
]
