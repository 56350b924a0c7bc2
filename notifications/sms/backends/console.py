import sys
import threading

from notifications.sms import SmsMessage


class SmsBackend:
    """Prints each message on standard output, as Django's console e-mail backend does: for development.
    It writes to the stream, not to the logging system, so codes never end up in collected logs."""

    _lock = threading.Lock()

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, message: SmsMessage) -> None:
        with self._lock:
            self.stream.write(f"SMS to {message.to} ({message.segments} segment(s)):\n{message.body}\n{'-' * 79}\n")
            self.stream.flush()
