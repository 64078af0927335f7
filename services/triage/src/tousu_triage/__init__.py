"""Triage: classifies each received complaint under its estate's regime."""
