"""The engine: what drives the tracker (`fusion`) and the rules (`rules`) from wire messages,
in the order data flows:

- `config`: the one settings file (`default.toml`): picture, time, bounds, tracker, rules;
- `bounds`: the physical bounds a message must keep (admission asks, and the engine again);
- `clocks`: each sender's clock against the service's;
- `window`: the reorder window, by event time, released by the service's clock;
- `batches`: a released second of detections as the tracker's measurement batches;
- `picture`: one step: a message in, tracks, alerts and incidents out;
- `replay`: a run file or an event log through the engine, to files;
- `live`: the picture fed from the event log, with operator actions, and its change feed
  (`changes`) and track paths (`history`) for the API;
- `supervisor`: runs the live engine so that no event can stop it (quarantine).
"""

from borderwatch.engine.changes import ChangeFeed, FallenBehindError, Frame, SensorState
from borderwatch.engine.config import EngineConfig, load_config
from borderwatch.engine.live import (
    DESK_PARAM,
    ActionError,
    LiveEngine,
    check_incident_action,
    is_desk_record,
)
from borderwatch.engine.picture import Picture

__all__ = [
    "DESK_PARAM",
    "ActionError",
    "ChangeFeed",
    "EngineConfig",
    "FallenBehindError",
    "Frame",
    "LiveEngine",
    "Picture",
    "SensorState",
    "check_incident_action",
    "is_desk_record",
    "load_config",
]
