"""What operators see of a running service: traces (``tracing``), metrics (``metrics``,
``sampler``); logs carry the trace ids (``tousu_shared.logging``)."""
