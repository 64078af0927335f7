"""SLA clocks: deadlines computed by the business calendar, with pauses, promises,
re-targeting, warnings and breaches. Pure domain code: the sla-monitor service and
``tousu simulate`` both run it."""
