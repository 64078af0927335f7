"""Callback — calls the resident back after resolution (the policy comes with the regime engine)."""
