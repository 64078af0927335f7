"""A service's Kafka credentials: what the settings give the clients, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from faststream.security import SASLPlaintext, SASLScram512

from tousu_shared.kafka_auth import client_options, kafka_security
from tousu_shared.settings import ServiceSettings


def test_plaintext_needs_nothing() -> None:
    assert kafka_security(ServiceSettings()) is None
    assert client_options(None) == {}


def test_sasl_with_a_mounted_password_file(tmp_path: Path) -> None:
    secret = tmp_path / "kafka-password"
    secret.write_text("s3cret\n")
    settings = ServiceSettings(
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="PLAIN",
        kafka_username="tousu-dispatch",
        kafka_password_file=secret,
    )
    security = kafka_security(settings)
    assert isinstance(security, SASLPlaintext)
    options = client_options(security)
    assert options["security_protocol"] == "SASL_PLAINTEXT"
    assert (options["sasl_mechanism"], options["sasl_plain_username"], options["sasl_plain_password"]) == (
        "PLAIN",
        "tousu-dispatch",
        "s3cret",
    )


def test_scram_over_tls() -> None:
    settings = ServiceSettings(
        kafka_security_protocol="SASL_SSL", kafka_username="tousu-archive", kafka_password="pw"
    )
    security = kafka_security(settings)
    assert isinstance(security, SASLScram512) and security.use_ssl
    assert client_options(security)["security_protocol"] == "SASL_SSL"
    assert client_options(security)["ssl_context"] is not None


def test_missing_credentials_are_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs TOUSU_KAFKA_USERNAME"):
        kafka_security(ServiceSettings(kafka_security_protocol="SASL_SSL"))
    with pytest.raises(ValueError, match="TOUSU_KAFKA_PASSWORD"):
        kafka_security(ServiceSettings(kafka_security_protocol="SASL_SSL", kafka_username="u"))
    with pytest.raises(ValueError, match="cannot read TOUSU_KAFKA_PASSWORD_FILE"):
        kafka_security(
            ServiceSettings(
                kafka_security_protocol="SASL_PLAINTEXT",
                kafka_username="u",
                kafka_password_file=tmp_path / "missing",
            )
        )
