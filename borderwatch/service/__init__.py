"""The running system: ingest → admission → event log → engine → change feed, behind one
`Service`.

`Service.start(options)` opens the data directory, rebuilds the picture from the event log
and follows it live under the engine's supervisor; `borderwatch.run` adds the listeners (CoT,
the API) and the twin.
"""

from borderwatch.service.admission import Admission
from borderwatch.service.core import Service, ServiceOptions

__all__ = ["Admission", "Service", "ServiceOptions"]
