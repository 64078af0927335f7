"""Dispatch: turns a triaged complaint into a work order for the right department."""
