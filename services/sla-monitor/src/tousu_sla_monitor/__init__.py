"""SLA monitor — keeps every clock of every case (the clock logic comes with the regime engine)."""
