"""Tousu's shared package: the contracts every service speaks and the delivery pieces
(outbox, idempotent consumer, DLQ) every service runs on."""
