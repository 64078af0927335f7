"""A case under its regime: classification, clocks, escalations, upgrades, callbacks.

Pure domain code over a virtual time line; ``tousu simulate`` drives it from a scenario
file and the services will drive it from events.
"""
