"""A service's own Kafka credentials: SASL (PLAIN or SCRAM) with its user and password
(the password from the environment or a mounted file), over TLS where the cluster asks for
it. One description, used by the admin client, the outbox producer and the FastStream
subscribers alike."""

from __future__ import annotations

import ssl
from typing import Any

from faststream.kafka.security import parse_security
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from tousu_shared.settings import ServiceSettings, read_mounted

_SASL = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}


def kafka_security(settings: ServiceSettings) -> BaseSecurity | None:
    """FastStream's security object for the settings (None: plaintext, no credentials);
    a ValueError names what is missing."""
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return None
    tls = protocol in ("SSL", "SASL_SSL")
    context = ssl.create_default_context(cafile=settings.kafka_ca_file) if tls else None
    if protocol == "SSL":
        return BaseSecurity(ssl_context=context, use_ssl=True)
    if not settings.kafka_username:
        raise ValueError(f"TOUSU_KAFKA_SECURITY_PROTOCOL={protocol} needs TOUSU_KAFKA_USERNAME")
    password = _password(settings)
    return _SASL[settings.kafka_sasl_mechanism](settings.kafka_username, password, context, use_ssl=tls)


def client_options(security: BaseSecurity | None) -> dict[str, Any]:
    """The same credentials as aiokafka keyword arguments (for the admin client and producer)."""
    return parse_security(security)


def _password(settings: ServiceSettings) -> str:
    if settings.kafka_password is not None:
        return settings.kafka_password.get_secret_value()
    if settings.kafka_password_file is not None:
        return read_mounted(settings.kafka_password_file, "TOUSU_KAFKA_PASSWORD_FILE")
    raise ValueError("SASL needs TOUSU_KAFKA_PASSWORD or TOUSU_KAFKA_PASSWORD_FILE")
