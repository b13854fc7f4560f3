"""The team library: a library on a PostgreSQL server that a research group shares.

:func:`connect` opens the store of a ``postgresql://`` URL and learns who is connected
(the member: their PostgreSQL role) and whether they may write; :func:`client_folder` is
this client's own folder for that library (its search index, window lock and settings)
under the per-user data folder, keyed by server and database.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from app.errors import LibraryError
from app.paths import data_root
from app.store.store import Store, db_reason
from db import team
from db.engine import current_revision, head_revision, libpq_url, upgrade


def check_url(url: str) -> str:
    """The libpq form of ``url``; one with a password in it is refused (it would end up in
    shell histories, process lists and settings): libpq reads passwords from
    ``~/.pgpass`` (``PGPASSFILE``) or a service file (``PGSERVICEFILE``)."""
    from urllib.parse import parse_qs, urlsplit

    plain = libpq_url(url)
    try:
        parts = urlsplit(plain)
        password = parts.password
    except ValueError:
        raise LibraryError(f"{url}: not a valid postgresql:// URL") from None
    if password is not None or "password" in parse_qs(parts.query):
        raise LibraryError(
            "the library URL holds a password: Paperdesk never takes or stores one; put it "
            "in ~/.pgpass (or PGPASSFILE) or a libpq service file and leave it out of the URL"
        )
    return plain


def client_folder(access: team.Access) -> Path:
    """This client's folder for the library ``access`` names: server, database and member
    hashed (the same library reached by another spelling of its URL gets the same folder;
    another member on this machine gets their own, since the index holds their personal
    star and read state)."""
    key = f"{access.host}:{access.port}/{access.database}/{access.member}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return data_root() / "team" / f"{access.database[:40]}-{digest}"


def connect(url: str, migrate: bool = False) -> tuple[Store, Path]:
    """The store of the team library at ``url`` and this client's folder for it.

    Refused in one line: a server that cannot be reached or refuses the login (a missing
    password included), a database without a team library, a role that is not one of its
    members, or a schema this Paperdesk does not match (``migrate``: ``team init`` brings
    it to this version)."""
    where = check_url(url)
    store = Store(where)
    try:
        try:
            who = team.access(store.engine)
        except team.Refused as exc:
            raise LibraryError(f"{where}: cannot connect: {exc}") from None
        if not who.schema and not migrate:
            raise LibraryError(
                f"{where}: no team library in database {who.database!r} (its admin creates "
                f"one: paperdesk team init {where})"
            )
        if who.schema and not who.known:
            raise LibraryError(
                f"{where}: role {who.member!r} is not a member of this team library (ask its "
                f"admin: paperdesk team add-member {who.member})"
            )
        current = current_revision(store.engine) if who.schema else None
        if current != head_revision():
            if not migrate:
                raise LibraryError(
                    f"{where}: the team library's schema is at revision {current}, this "
                    f"Paperdesk needs {head_revision()}; its admin runs 'paperdesk team init "
                    f"{where}' to upgrade it"
                )
            try:
                upgrade(store.engine)
            except DBAPIError as exc:
                raise LibraryError(
                    f"{where}: cannot create or upgrade the team library: {db_reason(exc)}"
                ) from None
            who = team.access(store.engine)
    except BaseException:
        store.close()
        raise
    store.member = who.member
    store.read_only = not who.write
    return store, client_folder(who)
