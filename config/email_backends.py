"""E-mail backends for laptops (`make run` selects one through EMAIL_BACKEND)."""

import sys

from django.core.mail.backends import console, filebased


class FileAndConsoleEmailBackend(filebased.EmailBackend):
    """Saves each batch of messages to a .log file in EMAIL_FILE_PATH and also prints them.

    Prints to the process's real stdout: a Celery worker redirects sys.stdout into its log as warnings.
    """

    def write_message(self, message):
        super().write_message(message)
        stdout = sys.__stdout__ or sys.stdout
        stdout.write(f"E-mail saved to {self._get_filename()}:\n")
        console.EmailBackend(stream=stdout).write_message(message)
        stdout.flush()
