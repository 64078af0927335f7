"""Archive: keeps every event of every case and serves the case files (the read side)."""
