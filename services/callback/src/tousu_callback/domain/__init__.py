"""Callback's pure rules: no database, no HTTP, no Kafka."""
