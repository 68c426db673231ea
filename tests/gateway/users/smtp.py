"""A real SMTP server on loopback (aiosmtpd) that keeps what it is sent, or refuses it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    """The e-mails the server took; ``refuse`` makes it answer DATA with that reply."""

    port: int = 0
    refuse: str = ""
    messages: list[Message] = field(default_factory=list)
    tries: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Keep the e-mail, or refuse it."""
        self.tries += 1
        if self.refuse:
            return self.refuse
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def text(self, address: str) -> str:
        """The body of the one e-mail sent to ``address``."""
        (found,) = [m for m in self.messages if m["To"] == address]
        payload = found.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode(found.get_content_charset() or "utf-8")


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(refuse: str = "") -> Iterator[Inbox]:
    """Run the server while the block runs."""
    inbox = Inbox(free_port(), refuse)
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
