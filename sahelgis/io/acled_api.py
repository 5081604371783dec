"""A Qt-free client of ACLED's API (token sign-in, as ACLED documents it since 2025).

Only the three endpoints an update needs, through ``urllib`` (no extra HTTP
library):

* ``POST {base}/oauth/token``: form-encoded ``username`` (the account e-mail),
  ``password``, ``grant_type=password``, ``client_id=acled``; the JSON reply
  holds ``access_token``, ``refresh_token`` and ``expires_in`` (seconds, 24 h).
  A token near its end is renewed with ``grant_type=refresh_token``.
* ``GET {base}/api/acled/read?_format=json`` with ``Authorization: Bearer``:
  ``country=A|B``, ``event_date=START|END`` with ``event_date_where=BETWEEN``,
  ``timestamp=UNIX`` with ``timestamp_where=>=`` (events added or changed
  since), ``limit`` and ``page`` (1-based; the last page has fewer than
  ``limit`` rows). Reply ``{status, success, count, data: [rows]}``, each row
  the ACLED columns as text.
* ``GET {base}/api/deleted/read?_format=json`` with
  ``deleted_timestamp=UNIX&deleted_timestamp_where=>=``: ``data`` lists
  ``{event_id_cnty, deleted_timestamp}``.

The server's replies are untrusted: each is read in chunks with a per-request
timeout, an overall deadline, a size cap and a cancel check between chunks;
its JSON is checked against typed pydantic models (types, lengths, list
sizes); the number of pages and rows is capped. Redirects are not followed
(the bearer token would go along). Every failure is one
:class:`AcledApiError` line naming what failed, e.g. ``ACLED sign-in refused
(401): check the e-mail and password`` or ``no network: could not reach
acleddata.com — the project is unchanged``.

Event rows go through the ACLED reader's own checks and table building
(:func:`sahelgis.io.acled._build`), so events from the API are identical to
the same events imported from a CSV export; a bad row is reported as
``page 3: row 17`` (not imported), as a CSV import reports its records.

The password is only held in memory for the sign-in; see
:mod:`sahelgis.io.acled_credentials` for the system keyring.

Size: the replies' schemas, the HTTP guards (timeouts, size caps, redirects,
error lines) and the row parsing are one client of one untrusted server.
"""

from __future__ import annotations

import contextlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from sahelgis.errors import Cancelled, InputError, SahelGISError
from sahelgis.io.acled import _build
from sahelgis.io.acled_read import _TextColumns
from sahelgis.model import acled_schema as acled
from sahelgis.progress import NULL_PROGRESS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sahelgis.io.acled_validate import ImportReport
    from sahelgis.model.events import EventTable
    from sahelgis.progress import Progress

#: Where ACLED's API lives (tests point the client at a local server instead).
DEFAULT_BASE_URL = "https://acleddata.com"
TOKEN_PATH = "/oauth/token"
READ_PATH = "/api/acled/read"
DELETED_PATH = "/api/deleted/read"
CLIENT_ID = "acled"
#: Rows asked per page (ACLED's own default page size).
PAGE_LIMIT = 5000
#: Most pages one update reads (5,000 rows each: 2 million events).
MAX_PAGES = 400
#: Most bytes one reply may have (a 5,000-row page is about 10 MB).
MAX_REPLY_BYTES = 64 * 1024 * 1024
#: Seconds one request may wait for the server to answer (each read).
DEFAULT_TIMEOUT_S = 60.0
#: Seconds the whole update may take.
DEFAULT_TOTAL_TIMEOUT_S = 1800.0
#: Most characters of a text value / of a column name in a row.
MAX_VALUE_CHARS = 100_000
MAX_KEY_CHARS = 64
MAX_ROW_FIELDS = 200
_CHUNK = 1 << 16
#: What the pseudo-path of API rows is called in reader messages.
API_SOURCE = "ACLED API"


class AcledApiError(SahelGISError):
    """The API could not be used; the message is one line saying what failed."""


class AcledOffline(AcledApiError):
    """The server could not be reached at all (no network, DNS, refused)."""


# -- the replies' schemas -------------------------------------------------------------
class _Reply(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


Token = Annotated[str, Field(min_length=1, max_length=16_384)]
Value = Annotated[str, Field(max_length=MAX_VALUE_CHARS)] | StrictInt | float | None
Row = Annotated[
    dict[Annotated[str, Field(max_length=MAX_KEY_CHARS)], Value],
    Field(max_length=MAX_ROW_FIELDS),
]


class TokenReply(_Reply):
    """The token endpoint's JSON reply."""

    access_token: Token
    refresh_token: Token | None = None
    expires_in: Annotated[StrictInt, Field(ge=0, le=10**8)] = 86_400


class ReadReply(_Reply):
    """One page of the read endpoint (``data`` at most ``PAGE_LIMIT`` rows)."""

    success: bool | None = None
    status: StrictInt | None = None
    count: StrictInt | None = None
    data: Annotated[list[Row], Field(max_length=PAGE_LIMIT)]


class Deletion(_Reply):
    """One deleted event."""

    event_id_cnty: Annotated[str, Field(min_length=1, max_length=200)]
    deleted_timestamp: (
        Annotated[StrictInt, Field(ge=0, le=2**40)]
        | Annotated[str, Field(pattern=r"^\d{1,12}$")]
    )

    @property
    def seconds(self) -> int:
        """``deleted_timestamp`` as Unix seconds."""
        return int(self.deleted_timestamp)


class DeletedReply(_Reply):
    """One page of the deletions endpoint."""

    success: bool | None = None
    data: Annotated[list[Deletion], Field(max_length=PAGE_LIMIT)]


class _ErrorReply(_Reply):
    success: bool | None = None
    error: Any = None
    message: Any = None


# -- what is asked --------------------------------------------------------------------
@dataclass(frozen=True)
class EventQuery:
    """What an update asks the read endpoint for.

    Parameters
    ----------
    countries
        ACLED country names (``"Mali"``); empty asks for every country.
    start, end
        ``event_date`` bounds as ``YYYY-MM-DD`` (both or neither).
    since
        Unix seconds: only events added or changed at or after this
        ``timestamp``; None asks for every event in the bounds.
    """

    countries: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None
    since: int | None = None

    def params(self) -> dict[str, str]:
        """The query's URL parameters (without paging)."""
        params = {"_format": "json"}
        if self.countries:
            params["country"] = "|".join(self.countries)
        if self.start and self.end:
            params["event_date"] = f"{self.start}|{self.end}"
            params["event_date_where"] = "BETWEEN"
        if self.since is not None:
            params["timestamp"] = str(int(self.since))
            params["timestamp_where"] = ">="
        return params


@dataclass
class FetchedEvents:
    """Events read from the API, as a CSV import would have them.

    Attributes
    ----------
    table
        The events (None when the API returned no rows).
    report
        The reader's report; reject ``row`` numbers count rows over all pages.
    pages
        Pages read.
    rows
        Rows the API returned.
    rejected
        One line per rejected row, ``page P: row R: field: reason`` (at most 20).
    """

    table: EventTable | None
    report: ImportReport | None
    pages: int
    rows: int
    rejected: list[str] = field(default_factory=list)


# -- the client -----------------------------------------------------------------------
class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class AcledClient:
    """Signs in to ACLED and reads events and deletions.

    Parameters
    ----------
    email, password
        The ACLED account; the password is used for the sign-in only.
    base_url
        Scheme and host of the API (default ``https://acleddata.com``).
    timeout
        Seconds one request may wait for each answer from the server.
    total_timeout
        Seconds the client may spend in all, from its creation.
    progress
        Receives ``set(fraction, text)``; ``check()`` between chunks may
        raise ``Cancelled``.
    page_limit, max_pages
        Rows per page asked and the most pages read.
    """

    def __init__(
        self,
        email: str,
        password: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT_S,
        total_timeout: float = DEFAULT_TOTAL_TIMEOUT_S,
        progress: Progress = NULL_PROGRESS,
        page_limit: int = PAGE_LIMIT,
        max_pages: int = MAX_PAGES,
    ) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AcledApiError(f"ACLED API address {base_url!r} is not an http(s) URL")
        self.base_url = base_url.rstrip("/")
        self.host = parts.hostname
        self.email = email.strip()
        self._password = password
        self.timeout = float(timeout)
        self.deadline = time.monotonic() + float(total_timeout)
        self.total_timeout = float(total_timeout)
        self.progress = progress
        self.page_limit = max(1, min(int(page_limit), PAGE_LIMIT))
        self.max_pages = max(1, int(max_pages))
        self._token: TokenReply | None = None
        self._token_expires = 0.0
        self._opener = urllib.request.build_opener(_NoRedirect())

    # -- sign-in ----------------------------------------------------------------
    def sign_in(self) -> None:
        """Get an access token for the e-mail and password (raises on refusal)."""
        if not self.email or not self._password:
            raise AcledApiError("ACLED sign-in needs the account e-mail and password")
        self._token = self._token_request(
            {
                "username": self.email,
                "password": self._password,
                "grant_type": "password",
                "client_id": CLIENT_ID,
                "scope": "authenticated",
            }
        )
        self._password = ""  # not kept longer than needed
        self._token_expires = time.monotonic() + self._token.expires_in

    def _refresh(self) -> None:
        if self._token is None or not self._token.refresh_token:
            raise AcledApiError(
                "ACLED sign-in expired and no refresh token was given: sign in again"
            )
        self._token = self._token_request(
            {
                "refresh_token": self._token.refresh_token,
                "grant_type": "refresh_token",
                "client_id": CLIENT_ID,
            }
        )
        self._token_expires = time.monotonic() + self._token.expires_in

    def _token_request(self, form: dict[str, str]) -> TokenReply:
        body = urllib.parse.urlencode(form).encode("ascii")
        request = urllib.request.Request(
            self.base_url + TOKEN_PATH,
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        raw = self._send(request, "sign-in")
        return _parse(TokenReply, raw, "sign-in")

    # -- reading ----------------------------------------------------------------------
    def fetch_events(
        self, query: EventQuery, *, start: float = 0.0, span: float = 0.8
    ) -> FetchedEvents:
        """Read every page of events matching ``query`` and parse them.

        Progress goes from ``start`` to ``start + span`` (pages are counted as
        they come: the total is not known before the last page).
        """
        rows: list[dict[str, Any]] = []
        origins: list[tuple[int, int]] = []  # (page, row on page) per row
        page = 0
        while True:
            page += 1
            if page > self.max_pages:
                raise AcledApiError(
                    f"ACLED sent more than {self.max_pages:,} pages "
                    f"({len(rows):,} rows): ask for fewer countries or a shorter period"
                )
            self.progress.set(
                start + span * (1 - 1 / (1 + 0.25 * (page - 1))),
                f"Reading events, page {page} ({len(rows):,} so far)",
            )
            params = {
                **query.params(),
                "limit": str(self.page_limit),
                "page": str(page),
            }
            reply = _parse(
                ReadReply, self._get(READ_PATH, params, f"page {page}"), f"page {page}"
            )
            if reply.success is False:
                raise AcledApiError(f"page {page}: ACLED answered success=false")
            for i, row in enumerate(reply.data, start=1):
                rows.append(row)
                origins.append((page, i))
            if len(reply.data) < self.page_limit:
                break
        self.progress.set(start + span, f"Checking {len(rows):,} events")
        self.progress.check()
        return _parse_rows(rows, origins, page)

    def fetch_deletions(self, since: int | None) -> list[Deletion]:
        """Events deleted at or after ``since`` (Unix seconds; None: all)."""
        deletions: list[Deletion] = []
        page = 0
        while True:
            page += 1
            if page > self.max_pages:
                raise AcledApiError(
                    f"ACLED sent more than {self.max_pages:,} pages of deletions"
                )
            self.progress.set(0.85, f"Reading deleted events, page {page}")
            params = {
                "_format": "json",
                "limit": str(self.page_limit),
                "page": str(page),
            }
            if since is not None:
                params["deleted_timestamp"] = str(int(since))
                params["deleted_timestamp_where"] = ">="
            what = f"deletions page {page}"
            reply = _parse(DeletedReply, self._get(DELETED_PATH, params, what), what)
            deletions.extend(reply.data)
            if len(reply.data) < self.page_limit:
                return deletions

    # -- HTTP ------------------------------------------------------------------------
    def _get(self, path: str, params: dict[str, str], what: str) -> bytes:
        if self._token is None:
            self.sign_in()
        elif time.monotonic() > self._token_expires - 60:
            self._refresh()
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(params, safe='|')}"
        for attempt in (1, 2):
            assert self._token is not None
            request = urllib.request.Request(
                url,
                headers={
                    "Authorization": f"Bearer {self._token.access_token}",
                    "Accept": "application/json",
                },
            )
            try:
                return self._send(request, what)
            except _Unauthorised:
                if attempt == 2 or self._token.refresh_token is None:
                    raise AcledApiError(
                        f"{what}: ACLED refused the request (401): the sign-in "
                        "expired or the account has no API access"
                    ) from None
                self._refresh()
        raise AssertionError("unreachable")

    def _send(self, request: urllib.request.Request, what: str) -> bytes:
        """Send a request; return the whole reply body or raise one line."""
        self.progress.check()
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self._timed_out(what)
        try:
            with self._opener.open(request, timeout=min(self.timeout, left)) as reply:
                return self._read_body(reply, what)
        except urllib.error.HTTPError as exc:
            raise self._http_error(exc, what) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise self._timed_out(what) from None
            raise AcledOffline(
                f"no network: could not reach {self.host} ({_reason(exc.reason)}) "
                "— the project is unchanged"
            ) from None
        except TimeoutError:
            raise self._timed_out(what) from None
        except (ConnectionError, OSError) as exc:
            raise AcledOffline(
                f"{what}: the connection to {self.host} broke ({_reason(exc)}) "
                "— the project is unchanged"
            ) from None

    def _read_body(self, reply: Any, what: str) -> bytes:
        length = reply.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > MAX_REPLY_BYTES:
            raise AcledApiError(
                f"{what}: ACLED's reply is {int(length) / 1e6:,.0f} MB, more than "
                f"{MAX_REPLY_BYTES // 2**20} MB allowed"
            )
        parts: list[bytes] = []
        size = 0
        while True:
            self.progress.check()
            if time.monotonic() > self.deadline:
                raise self._timed_out(what)
            chunk = reply.read(_CHUNK)
            if not chunk:
                return b"".join(parts)
            size += len(chunk)
            if size > MAX_REPLY_BYTES:
                raise AcledApiError(
                    f"{what}: ACLED's reply is over {MAX_REPLY_BYTES // 2**20} MB; "
                    "not read further"
                )
            parts.append(chunk)

    def _timed_out(self, what: str) -> AcledApiError:
        return AcledApiError(
            f"{what}: ACLED did not answer in time (limit {self.timeout:g} s per "
            f"request, {self.total_timeout:g} s in all) — the project is unchanged"
        )

    def _http_error(self, exc: urllib.error.HTTPError, what: str) -> SahelGISError:
        code = exc.code
        with contextlib.suppress(OSError):
            exc.close()  # its body holds the socket
        if what == "sign-in" and code in (400, 401, 403):
            return AcledApiError(
                f"ACLED sign-in refused ({code}): check the e-mail and password"
            )
        if code == 401:
            return _Unauthorised(what)
        if code == 403:
            return AcledApiError(
                f"{what}: ACLED refused access (403): the account may lack API "
                "access to these data"
            )
        if code == 429:
            wait = exc.headers.get("Retry-After", "") if exc.headers else ""
            after = f" (retry after {wait[:12]} s)" if wait.strip().isdigit() else ""
            return AcledApiError(
                f"{what}: ACLED's rate limit was reached (429){after}; try again later"
            )
        if code in (500, 502, 503, 504):
            return AcledApiError(
                f"{what}: ACLED's server failed ({code}); try again in a few minutes "
                "— the project is unchanged"
            )
        if 300 <= code < 400:
            return AcledApiError(
                f"{what}: ACLED answered with a redirect ({code}); not followed"
            )
        return AcledApiError(f"{what}: ACLED answered HTTP {code}")


class _Unauthorised(AcledApiError):
    """401 on a data request: the token may have expired (refresh once)."""


def _reason(reason: object) -> str:
    text = str(getattr(reason, "strerror", None) or reason or "unknown reason")
    return " ".join(text.split())[:120]


def _parse(model: type[Any], raw: bytes, what: str) -> Any:
    """Decode and check one JSON reply; raise one line on anything unexpected."""
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        detail = (
            exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
        )
        raise AcledApiError(f"{what}: ACLED's reply is not JSON ({detail})") from None
    if (
        isinstance(value, dict)
        and value.get("success") is False
        and "data" not in value
    ):
        try:
            error = _ErrorReply.model_validate(value)
            message = error.message or error.error
        except ValidationError:
            message = None
        text = " ".join(str(message or "no reason given").split())[:200]
        raise AcledApiError(f"{what}: ACLED answered with an error: {text}")
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise AcledApiError(
            f"{what}: {_where(first['loc'])}: {first['msg']} (ACLED's reply is not "
            "as documented)"
        ) from None


def _where(loc: Sequence[int | str]) -> str:
    """``row 17: field event_date`` for a row's value, else the key path."""
    parts = list(loc)
    if len(parts) >= 2 and parts[0] == "data" and isinstance(parts[1], int):
        where = f"row {parts[1] + 1}"
        if len(parts) >= 3:
            where += f": field {str(parts[2])[:MAX_KEY_CHARS]}"
        return where
    return ".".join(str(p)[:MAX_KEY_CHARS] for p in parts[:4]) or "reply"


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if value == value else ""
    return str(value)


def _parse_rows(
    rows: Sequence[dict[str, Any]], origins: Sequence[tuple[int, int]], pages: int
) -> FetchedEvents:
    """Turn API rows into an event table through the ACLED reader's checks."""
    if not rows:
        return FetchedEvents(None, None, pages, 0)
    names: list[str] = []
    seen: set[str] = set()
    for row in rows:
        for key in row:
            if key not in seen:
                seen.add(key)
                names.append(key)
        if len(names) > MAX_ROW_FIELDS:
            raise AcledApiError(
                f"ACLED's rows have more than {MAX_ROW_FIELDS} different fields"
            )
    arrays = {
        name: pa.chunked_array(
            [pa.array([_as_text(row.get(name)) for row in rows], type=pa.string())]
        )
        for name in names
    }
    text = _TextColumns(arrays=arrays, n_rows=len(rows), encoding="utf-8")
    source = Path(API_SOURCE)
    try:
        table, report = _build(source, text, NULL_PROGRESS, None)
    except InputError as exc:
        raise AcledApiError(f"ACLED's rows cannot be read: {exc.reason}") from None
    except (pa.ArrowException, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise AcledApiError(f"ACLED's rows cannot be read: {first}") from None
    lines: list[str] = []
    if len(report.rejects):
        head = report.rejects.head(20)
        for number, fld, value, reason in zip(
            head["row"].astype("int64").tolist(),
            head["field"].astype(str),
            head["value"].astype(str),
            head["reason"].astype(str),
            strict=True,
        ):
            page, on_page = (
                origins[number - 1] if 0 < number <= len(origins) else (0, number)
            )
            lines.append(
                f"page {page}: row {on_page}: field {fld} {value[:60]!r}: {reason}"
            )
    return FetchedEvents(table, report, pages, len(rows), lines)


def max_timestamp(table: EventTable | None) -> int | None:
    """The newest ``timestamp`` (Unix seconds) of a table, None when it has none."""
    if table is None or len(table) == 0 or acled.TIMESTAMP not in table.frame.columns:
        return None
    text = table.frame[acled.TIMESTAMP].astype(str).str.strip()
    numbers = pd.to_numeric(text[text.str.fullmatch(r"\d{1,12}")], errors="coerce")
    numbers = numbers.dropna()
    return int(numbers.to_numpy(dtype="float64").max()) if len(numbers) else None


__all__ = [
    "DEFAULT_BASE_URL",
    "AcledApiError",
    "AcledClient",
    "AcledOffline",
    "Cancelled",
    "Deletion",
    "EventQuery",
    "FetchedEvents",
    "max_timestamp",
]
