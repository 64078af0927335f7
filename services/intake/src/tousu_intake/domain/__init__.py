"""Intake's pure rules: no database, no Kafka, no HTTP."""
