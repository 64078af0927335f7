"""Intake: takes complaints from channels, validates them, and hands them to triage."""
