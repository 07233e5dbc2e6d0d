"""A real SMTP server on loopback (aiosmtpd Controller) with handlers that script its answers.

    with smtp_server(RecordingHandler()) as srv:
        notifier = EmailNotifier("127.0.0.1", srv.port)
        ...
        srv.messages      # what arrived: envelope + parsed email.message.EmailMessage
        srv.connections   # how many SMTP connections were opened

Handlers: RecordingHandler (accepts and keeps everything), RejectingHandler (550 at RCPT or
DATA), FailingHandler (451 for the first N messages, then accepts), DisconnectingHandler (takes
the message, then drops the connection without answering), SlowHandler (answers DATA late).
For a server that is down and comes up later, take `free_port()` and start `SMTPServer(handler,
port=port)` when the test wants it up. `self_signed_tls(dir)` gives contexts for STARTTLS / TLS.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as DEFAULT_POLICY
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

HOST = "127.0.0.1"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes
    peer: Any


class RecordingHandler:
    """Accepts every message and keeps it (thread-safe: the server runs in its own thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[Received] = []

    @property
    def messages(self) -> list[Received]:
        with self._lock:
            return list(self._messages)

    def record(self, session: Any, envelope: Any) -> None:
        message = BytesParser(policy=DEFAULT_POLICY).parsebytes(envelope.content)
        with self._lock:
            self._messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message,
                                           envelope.content, session.peer))

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        self.record(session, envelope)
        return "250 2.0.0 OK: queued"


class RejectingHandler(RecordingHandler):
    """Answers 550 to every RCPT (at="rcpt") or every DATA (at="data"); with `addresses`, only
    RCPT to those addresses is refused and the rest is accepted."""

    def __init__(self, at: str = "rcpt", reply: str = "550 5.1.1 Mailbox unavailable",
                 addresses: set[str] | None = None) -> None:
        super().__init__()
        self.at, self.reply, self.addresses = at, reply, addresses

    async def handle_RCPT(self, server: SMTP, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if self.at == "rcpt" and (self.addresses is None or address in self.addresses):
            return self.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        return self.reply if self.at == "data" else await super().handle_DATA(server, session, envelope)


class FailingHandler(RecordingHandler):
    """Answers 451 to the first `failures` messages at DATA, then accepts."""

    def __init__(self, failures: int = 1, reply: str = "451 4.3.0 Try again later") -> None:
        super().__init__()
        self.failures, self.reply, self.refused = failures, reply, 0

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        with self._lock:
            if self.refused < self.failures:
                self.refused += 1
                return self.reply
        return await super().handle_DATA(server, session, envelope)


class DisconnectingHandler(RecordingHandler):
    """Takes the message, then drops the connection before answering: did it arrive or not?"""

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        self.record(session, envelope)
        server.transport.abort()
        return "250 2.0.0 never seen by the client"


class SlowHandler(RecordingHandler):
    """Answers DATA after `delay` seconds (longer than the client's timeout, to make it give up)."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


class _CountingController(Controller):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connections = 0

    def factory(self) -> SMTP:
        self.connections += 1   # aiosmtpd builds one SMTP protocol object per connection
        return super().factory()


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class SMTPServer:
    """An aiosmtpd server on 127.0.0.1 in its own thread; start() and stop() as the test needs."""

    def __init__(self, handler: RecordingHandler | None = None, port: int | None = None, *,
                 tls_context: ssl.SSLContext | None = None,
                 starttls_context: ssl.SSLContext | None = None,
                 logins: dict[str, str] | None = None) -> None:
        self.handler = handler or RecordingHandler()
        self.port = port or free_port()
        self.logins = logins
        self.login_attempts: list[str] = []
        kwargs: dict[str, Any] = {}
        if starttls_context is not None:
            kwargs.update(tls_context=starttls_context, require_starttls=True)
        if logins is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=tls_context is None)
        self._controller = _CountingController(self.handler, hostname=HOST, port=self.port,
                                               ssl_context=tls_context, **kwargs)

    def _authenticate(self, server: SMTP, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        self.login_attempts.append(user)
        # handled=False: aiosmtpd then answers 535 itself.
        return AuthResult(success=self.logins.get(user) == password, handled=False)

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    @property
    def connections(self) -> int:
        return self._controller.connections

    def start(self) -> SMTPServer:
        self._controller.start()
        self._controller.connections = 0   # start() opens one probe connection of its own
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SMTPServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def smtp_server(handler: RecordingHandler | None = None, **kwargs: Any) -> Iterator[SMTPServer]:
    """Run an SMTP server for the duration of the block."""
    server = SMTPServer(handler, **kwargs).start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class TLSFiles:
    cert: Path
    key: Path
    server: ssl.SSLContext = field(repr=False)
    client: ssl.SSLContext = field(repr=False)   # trusts only this certificate


def self_signed_tls(directory: Path) -> TLSFiles:
    """A self-signed certificate for 127.0.0.1/localhost and SSL contexts for both ends."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address(HOST))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return TLSFiles(cert_path, key_path, server, client)
