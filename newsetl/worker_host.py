"""The host name a task reports to Airflow (``[core] hostname_callable``): ``NEWSETL_WORKER_NAME`` when set,
else the machine's name.

Several Celery workers on one machine (``make celery``) would all report the same machine name, so the task
instances would not say which worker ran them; the script gives each worker its own name through this
variable. Airflow calls this in the worker's task process, with no arguments.
"""

from __future__ import annotations

import os
import socket


def hostname() -> str:
    return os.environ.get("NEWSETL_WORKER_NAME") or socket.getfqdn()
