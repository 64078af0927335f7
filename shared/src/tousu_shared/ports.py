"""Local HTTP ports of the services (``TOUSU_HTTP_PORT`` overrides the one of a process)."""

DEFAULT_PORTS = {
    "console": 8000,  # the desk console (web pages), beside the six services
    "intake": 8001,
    "triage": 8002,
    "dispatch": 8003,
    "sla-monitor": 8004,
    "callback": 8005,
    "archive": 8006,
}
