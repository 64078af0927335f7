"""Shared test settings: where the real Kafka broker and PostgreSQL server are.

`make test` starts both and exports TOUSU_TEST_KAFKA_BOOTSTRAP and TOUSU_TEST_DATABASE_URL.
A test that needs a server fails (never skips) when the server does not answer.
"""
