"""Developer tools of the repository (not shipped with any service)."""
