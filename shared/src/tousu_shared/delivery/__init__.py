"""Delivery pieces written once and used by every service: nothing lost, nothing doubled.

- :mod:`.tables`    outbox and processed-event tables (and their migration helper)
- :mod:`.outbox`    write events in the same transaction as the state change
- :mod:`.relay`     publish the outbox with an idempotent producer
- :mod:`.consumer`  idempotent batch processing, bounded retries, DLQ
"""
