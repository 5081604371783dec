"""Where an ACLED password may come from: never the project, never the settings.

In order: the environment variable ``SAHELGIS_ACLED_PASSWORD`` (scripts), the
operating system's keyring through the ``keyring`` package (service
``"SahelGIS ACLED"``, one entry per e-mail), else whatever the caller asks
(``getpass`` on a terminal, a password box in the GUI). A keyring that is
missing or locked is the same as no stored password.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from sahelgis.io.acled_api import AcledApiError

if TYPE_CHECKING:
    from collections.abc import Callable

#: The keyring service name of ACLED passwords.
SERVICE = "SahelGIS ACLED"
ENV_PASSWORD = "SAHELGIS_ACLED_PASSWORD"
ENV_EMAIL = "SAHELGIS_ACLED_EMAIL"


def keyring_password(email: str) -> str | None:
    """The password stored in the system keyring for ``email``, else None."""
    if not email:
        return None
    try:
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(SERVICE, email) or None
        except (KeyringError, RuntimeError, OSError):
            return None
    except ImportError:
        return None


def remember_password(email: str, password: str) -> str | None:
    """Store the password in the system keyring; return why not, else None."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return "the keyring package is not installed"
    try:
        keyring.set_password(SERVICE, email, password)
        kept = keyring.get_password(SERVICE, email) == password
    except (KeyringError, RuntimeError, OSError) as exc:
        return f"the system keyring refused it ({' '.join(str(exc).split())[:120]})"
    return None if kept else "the system keyring did not keep it"


def forget_password(email: str) -> None:
    """Remove a stored password (nothing happens when there is none)."""
    try:
        import keyring
        from keyring.errors import KeyringError, PasswordDeleteError
    except ImportError:
        return
    try:
        keyring.delete_password(SERVICE, email)
    except (PasswordDeleteError, KeyringError, RuntimeError, OSError):
        return


def password_for(email: str, ask: Callable[[], str] | None = None) -> str:
    """The password to sign in with: environment, keyring, else ``ask()``.

    Raises
    ------
    AcledApiError
        None was found and there is no way to ask.
    """
    password = os.environ.get(ENV_PASSWORD) or keyring_password(email)
    if not password and ask is not None:
        password = ask()
    if not password:
        raise AcledApiError(
            f"no ACLED password for {email}: set {ENV_PASSWORD} or store it in the "
            "system keyring (File > Update from ACLED… can)"
        )
    return password
