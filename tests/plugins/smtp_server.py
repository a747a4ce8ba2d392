"""Plugin: a real SMTP server on loopback, in a thread of the test process, for the fault tests.

`smtp_server` (a fixture) yields a LoopbackSMTP: Django's SMTP backend, in this process or in a
worker process, talks plain SMTP to it over TCP. It records every message it took, and a test can
make it refuse (451, "try again later") or hold its answer to one message (to kill a worker while
that message is being handed over).
"""

import socketserver
import threading
from collections import Counter

import pytest

from tests.plugins import LOCALHOST

# How long a held answer waits for release() at most, so a forgotten hold cannot hang the run.
HOLD_AT_MOST = 30


class LoopbackSMTP:
    """What the server took and how it answers.

    - `delivered`: a Counter of recipients, one per message taken. A message counts as taken once
      its data has arrived in full, before the server answers: a real server has queued it by
      then, whether or not the client lives to read the "250".
    - `refuse(count)`: answer 451 to the next `count` messages (all of them with None) instead of
      taking them; `accept()` takes everything again. `refused` counts the 451s sent.
    - `hold_after(count)`: take `count` more messages as usual; take the next one, then wait with
      its answer until `release()`. `holding` is set while it waits; `held` lists its recipients.
    """

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.delivered = Counter()
        self.refused = 0
        self.held = []
        self.holding = threading.Event()
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._refuse_left = 0
        self._hold_after = None

    @property
    def total(self):
        return sum(self.delivered.values())

    def refuse(self, count=None):
        with self._lock:
            self._refuse_left = count

    def accept(self):
        self.refuse(0)

    def hold_after(self, count):
        with self._lock:
            self._hold_after = self.total + count
            self._released.clear()
            self.holding.clear()

    def release(self):
        self._released.set()

    def _answer(self, recipients):
        """The answer to a message whose data arrived in full; waits first if it is the held one."""
        with self._lock:
            if self._refuse_left is None or self._refuse_left > 0:
                if self._refuse_left:
                    self._refuse_left -= 1
                self.refused += 1
                return b"451 4.3.0 Try again later\r\n"
            hold = self._hold_after is not None and self.total == self._hold_after
            if hold:
                self._hold_after = None
                self.held.extend(recipients)
            self.delivered.update(recipients)
        if hold:
            self.holding.set()
            self._released.wait(HOLD_AT_MOST)
        return b"250 2.0.0 Queued\r\n"


class _Session(socketserver.StreamRequestHandler):
    """One SMTP session: just what Python's smtplib says (EHLO, MAIL, RCPT, DATA, RSET, QUIT)."""

    def handle(self):
        try:
            self._converse(self.server.smtp)
        except ConnectionError:
            pass  # the client died (a killed worker): what was taken is counted already

    def _converse(self, server):
        recipients = []
        self.wfile.write(b"220 loopback ESMTP\r\n")
        for line in self.rfile:
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                reply = b"250 loopback\r\n"
            elif verb == b"MAIL":
                recipients, reply = [], b"250 2.1.0 Ok\r\n"
            elif verb == b"RCPT":
                recipients.append(line.split(b":", 1)[1].strip().strip(b"<>").decode())
                reply = b"250 2.1.5 Ok\r\n"
            elif verb == b"DATA":
                self.wfile.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                for data in self.rfile:
                    if data == b".\r\n":
                        break
                else:
                    return  # the client went away halfway through: nothing was taken
                reply = server._answer(recipients)
            elif verb == b"QUIT":
                self.wfile.write(b"221 2.0.0 Bye\r\n")
                return
            elif verb in (b"RSET", b"NOOP"):
                reply = b"250 2.0.0 Ok\r\n"
            else:
                reply = b"502 5.5.2 Command not recognized\r\n"
            self.wfile.write(reply)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def smtp_server(settings):
    """A LoopbackSMTP on a free local port, and Django's SMTP backend pointed at it (short timeout)."""
    tcp = _Server((LOCALHOST, 0), _Session)
    tcp.smtp = LoopbackSMTP(LOCALHOST, tcp.server_address[1])
    thread = threading.Thread(target=tcp.serve_forever, name="loopback-smtp", daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = LOCALHOST, tcp.smtp.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield tcp.smtp
    finally:
        tcp.smtp.release()
        tcp.shutdown()
        tcp.server_close()
