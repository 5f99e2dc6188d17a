"""Django's database session store, taking only a key it could have made itself.

Django's cookie parser turns an escaped `\\000` in a cookie into a NUL, and the database store
looks any key of 8+ characters up: PostgreSQL refused the NUL with a DataError, a 500 on every
page (and a failed WebSocket handshake) for whoever sent such a cookie. Django makes keys of
lowercase letters and digits; anything else is no session, as an unknown key is."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key: str | None) -> bool:
        return bool(key) and key.isascii() and key.isalnum() and super()._validate_session_key(key)  # type: ignore[union-attr]
