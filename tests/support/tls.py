"""A trust store holding one throwaway certificate, for the whole test session.

Every test talks to loopback fakes; the TLS tests bring their own trust (tests/fakes/smtp.py
`self_signed_tls`). Without this, each HTTP client PTB builds and each default SSL context
loads the system's CA bundle from SSL_CERT_FILE, about 40 ms a time and four times per
`dondoc run --once`, which was a large part of the suite's time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def trust_nothing(directory: Path) -> dict[str, str]:
    """SSL_CERT_FILE and SSL_CERT_DIR values that trust only a certificate nobody has the key of."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dondoc tests: no real server is trusted")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    (directory / "certs").mkdir(parents=True, exist_ok=True)
    bundle = directory / "trust.pem"
    bundle.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return {"SSL_CERT_FILE": str(bundle), "SSL_CERT_DIR": str(directory / "certs")}
