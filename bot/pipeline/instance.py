"""This instance's identity in the claims of the inbox and the outbound table.

Stable across restarts of one deployment, so a restarted instance knows the rows it was
working on and takes them back at once, while a dead instance's wait for the lease.
"""

from __future__ import annotations

import socket


def instance_name(instance_id: str, port: int, worker: int | None = None) -> str:
    """DESK_INSTANCE_ID, else host:port, and the worker's number under `serve --workers N`."""
    name = instance_id or f"{socket.gethostname()}:{port}"
    return name if worker is None else f"{name}/{worker}"
