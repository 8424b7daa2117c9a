"""Start FreeTAKServer as a partner's TAK server for the federation test, on 127.0.0.1 only.

Run with the Python of FreeTAKServer's own virtual environment (`make fts` makes `.venv-fts`:
FreeTAKServer pins cryptography 36 and protobuf 3.18, which ours cannot share):

    .venv-fts/bin/python tools/fts_peer.py DIR --base-port N

FreeTAKServer takes its settings from FTS_* environment variables; this sets every path under
DIR (its database, certificates, logs) and every port from N up (CoT N, CoT over TLS N+1,
its REST API N+2, HTTP and HTTPS data packages N+3 and N+4, its federation N+5, its internal
ZeroMQ routing N+6..N+10), so that nothing goes to /opt/fts nor to its fixed default ports.
Two things its settings cannot say are changed here before it starts: its data-package
servers listen on 0.0.0.0 (a constant), made 127.0.0.1; and the interactive first-start
wizard is skipped (FTS_FIRST_START=false). It makes its own CA, server certificate and one
client certificate (`DIR/certs/ca.pem`, `server.pem`, `Client.pem` and `.key`), as a partner
would give us, then runs until killed (its process group: it forks several services).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _environment(root: Path, base: int) -> dict[str, str]:
    certs = root / "certs"
    for d in ("certs", "Logs", "datapackages", "excheck/template", "excheck/checklist", "cp"):
        (root / d).mkdir(parents=True, exist_ok=True)
    return {
        "FTS_FIRST_START": "false",
        "FTS_CONFIG_PATH": str(root / "FTSConfig.yaml"),
        "FTS_PERSISTENCE_PATH": str(root),
        "FTS_COT_PORT": str(base),
        "FTS_SSLCOT_PORT": str(base + 1),
        "FTS_API_PORT": str(base + 2),
        "FTS_FED_PORT": str(base + 5),
        "FTS_API_ADDRESS": "127.0.0.1",
        "FTS_DP_ADDRESS": "127.0.0.1",
        "FTS_USER_ADDRESS": "127.0.0.1",
        "FTS_DB_PATH": str(root / "FTSDataBase.db"),
        "FTS_CERTS_PATH": str(certs),
        "FTS_LOGFILE_PATH": str(root / "Logs"),
        "FTS_DATAPACKAGE_PATH": str(root / "datapackages"),
        "FTS_EXCHECK_PATH": str(root / "excheck"),
        "FTS_EXCHECK_TEMPLATE_PATH": str(root / "excheck/template"),
        "FTS_EXCHECK_CHECKLIST_PATH": str(root / "excheck/checklist"),
        "FTS_CLIENT_PACKAGES_PATH": str(root / "cp"),
        "FTS_CRLDIR": str(certs / "FTS_CRL.json"),
        "FTS_SERVER_KEYDIR": str(certs / "server.key"),
        "FTS_SERVER_PEMDIR": str(certs / "server.pem"),
        "FTS_TESTCLIENT_PEMDIR": str(certs / "Client.pem"),
        "FTS_TESTCLIENT_KEYDIR": str(certs / "Client.key"),
        "FTS_UNENCRYPTED_KEYDIR": str(certs / "server.key.unencrypted"),
        "FTS_SERVER_P12DIR": str(certs / "server.p12"),
        "FTS_CADIR": str(certs / "ca.pem"),
        "FTS_CAKEYDIR": str(certs / "ca.key"),
        "FTS_FEDERATION_CERTDIR": str(certs / "server.pem"),
        "FTS_FEDERATION_KEYDIR": str(certs / "server.key"),
        "FTS_ROUTING_PROXY_SUBSCRIBE_PORT": str(base + 6),
        "FTS_ROUTING_PROXY_SERVER_PORT": str(base + 7),
        "FTS_ROUTING_PROXY_PUBLISHER_PORT": str(base + 8),
        "FTS_INTEGRATION_MANAGER_PULLER_PORT": str(base + 9),
        "FTS_INTEGRATION_MANAGER_PUBLISHER_PORT": str(base + 10),
        "FTS_NUM_ROUTING_WORKERS": "1",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--base-port", type=int, required=True)
    args = parser.parse_args()
    root = args.root.resolve()
    base = args.base_port
    os.environ.update(_environment(root, base))
    # Before FreeTAKServer reads its settings (at import): everything above is in place.
    from FreeTAKServer.core.configuration import DataPackageServerConstants

    made = DataPackageServerConstants.DataPackageServerConstants.__init__

    def loopback(self: object) -> None:
        made(self)
        self.IP = "127.0.0.1"  # type: ignore[attr-defined]

    DataPackageServerConstants.DataPackageServerConstants.__init__ = loopback  # type: ignore[method-assign]

    from FreeTAKServer.controllers.services.FTS import FTS
    from FreeTAKServer.core.util.certificate_generation import AtakOfTheCerts

    certs = AtakOfTheCerts()  # what its own __main__ does before it starts
    certs.generate_ca(expiry_time_secs=31536000)
    certs.bake(common_name="server", cert="server", expiry_time_secs=31536000)
    certs.bake(common_name="Client", cert="user", expiry_time_secs=31536000)
    print("fts_peer: certificates made", flush=True)
    host = "127.0.0.1"
    FTS().startup(
        base, host, base + 3, host, base + 4, host, base + 2, host, base + 1, host, "True", True
    )


if __name__ == "__main__":
    sys.exit(main())
