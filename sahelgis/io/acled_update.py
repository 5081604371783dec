"""Update a project's ACLED events from ACLED's API: plan, fetch and merge, apply.

Three steps, so the GUI runs the middle one on a worker and the others on its
own thread (the CLI runs all three in turn):

1. :func:`plan_update` reads the project: which layer (the one updated last
   time, else the first real ACLED event layer, else a new layer), its
   countries and first date, and the Unix ``timestamp`` from which to ask for
   changes (saved by the last update in ``project.extra_state["acled_update"]``,
   else the newest ``timestamp`` of the layer's events, else everything).
2. :func:`fetch_update` signs in, reads the added and changed events and the
   deletions, and upserts them (:func:`sahelgis.model.event_merge.upsert_events`)
   into a *new* table; the project is not touched.
3. :func:`apply_update` swaps the layer's events for that table and saves the
   new timestamps in the project's state, as one undo entry ("Update from
   ACLED"); the project is then unsaved.

The password is never part of the plan, the result or the project.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sahelgis.io.acled_api import (
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT_S,
    DEFAULT_TOTAL_TIMEOUT_S,
    AcledApiError,
    AcledClient,
    EventQuery,
    max_timestamp,
)
from sahelgis.io.acled_credentials import keyring_password, remember_password
from sahelgis.model import acled_schema as acled
from sahelgis.model import ucdp_schema as ucdp
from sahelgis.model.event_merge import MergeSummary, upsert_events
from sahelgis.model.events import EventTable
from sahelgis.model.layer_factory import event_layer
from sahelgis.model.layers import EventLayer
from sahelgis.model.undo import Command
from sahelgis.progress import NULL_PROGRESS

if TYPE_CHECKING:
    from sahelgis.model.project import Project
    from sahelgis.progress import Progress

#: Key of the update's state in ``Project.extra_state``.
STATE_KEY = "acled_update"
#: Name of the layer an update makes when the project has no ACLED layer.
NEW_LAYER_SOURCE = "ACLED API"
UNDO_TEXT = "Update from ACLED"


@dataclass(frozen=True)
class UpdatePlan:
    """What an update will ask ACLED for and where the answer goes.

    Attributes
    ----------
    layer_id
        The event layer to update; None makes a new layer.
    query
        Countries, ``event_date`` bounds (``YYYY-MM-DD``) and ``since`` (Unix
        seconds; None asks for every event in the bounds).
    deleted_since
        Unix seconds from which to ask for deletions (None: all).
    events
        The layer's table when planned (None for a new layer): the update is
        applied only if the layer still holds this very table.
    """

    layer_id: str | None
    query: EventQuery
    deleted_since: int | None
    events: EventTable | None = field(default=None, compare=False, repr=False)

    def describe(self) -> str:
        """One line, e.g. ``Mali, Niger; 2024-01-01 to 2025-06-30; changes since …``."""
        countries = ", ".join(self.query.countries) or "all countries"
        dates = f"{self.query.start} to {self.query.end}"
        if self.query.since is None:
            since = "every event"
        else:
            when = dt.datetime.fromtimestamp(self.query.since, dt.UTC)
            since = f"changes since {when:%Y-%m-%d %H:%M} UTC"
        return f"{countries}; {dates}; {since}"


@dataclass
class UpdateResult:
    """What an update fetched and the table it makes (the project untouched).

    ``plan.layer_id`` is None when the events go to a new layer (also when the
    planned layer was SYNTHETIC and the events are real, or the reverse).
    """

    plan: UpdatePlan
    table: EventTable | None
    summary: MergeSummary
    state: dict[str, Any]
    rows: int = 0
    pages: int = 0
    deletions: int = 0
    rejected: list[str] = field(default_factory=list)
    rejected_count: int = 0

    def describe(self) -> str:
        """One line for the status bar or the CLI."""
        line = f"ACLED update: {self.summary.describe()}"
        if self.rejected_count:
            line += f"; {self.rejected_count:,} rows not imported (bad values)"
        return line


def acled_layers(project: Project) -> list[EventLayer]:
    """The ACLED event layers (not UCDP GED), real ones before SYNTHETIC ones."""
    layers = [
        layer
        for layer in project.event_layers()
        if layer.attribution != ucdp.UCDP_ATTRIBUTION
    ]
    return sorted(layers, key=lambda layer: layer.synthetic or layer.events.synthetic)


def _day(value: object, what: str) -> str:
    try:
        return dt.date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise AcledApiError(
            f"{what}: {value!r} is not a date like 2024-06-30"
        ) from None


def day_to_unix(day: str) -> int:
    """Unix seconds at 00:00 UTC of a ``YYYY-MM-DD`` day."""
    date = dt.date.fromisoformat(_day(day, "since"))
    return int(dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC).timestamp())


def _saved_state(project: Project) -> dict[str, Any]:
    state = project.extra_state.get(STATE_KEY)
    return state if isinstance(state, dict) else {}


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def plan_update(
    project: Project,
    *,
    countries: list[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    since: int | None = None,
    today: dt.date | None = None,
) -> UpdatePlan:
    """Work out what to ask ACLED for (arguments given override the project's).

    Parameters
    ----------
    project
        The project to update (read only).
    countries
        ACLED country names; default: those of the last update, else the
        layer's ``country`` values. Required when the project has no ACLED layer.
    start, end
        ``event_date`` bounds, ``YYYY-MM-DD``; default: the last update's start,
        else the layer's first date (else 1 January of last year), and today.
    since
        Unix seconds; default: the last update's newest ``timestamp``, else the
        newest ``timestamp`` of the layer's events, else None (every event).
    today
        The day taken as today (UTC by default).

    Raises
    ------
    AcledApiError
        No countries are known, or a date is not a date.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    saved = _saved_state(project)
    layers = acled_layers(project)
    by_id = {layer.id: layer for layer in layers}
    layer = by_id.get(str(saved.get("layer_id", ""))) or (layers[0] if layers else None)
    if layer is not None and saved.get("layer_id") != layer.id:
        saved = {}  # the saved state belonged to a layer that is gone
    frame = layer.events.frame if layer is not None else None
    if countries is None:
        saved_countries = saved.get("countries")
        if isinstance(saved_countries, list) and saved_countries:
            countries = [str(c) for c in saved_countries]
        elif frame is not None and acled.COUNTRY in frame.columns:
            countries = sorted(
                {
                    str(c).strip()
                    for c in frame[acled.COUNTRY].unique()
                    if str(c).strip()
                }
            )
    countries = [c.strip() for c in countries or [] if c.strip()]
    if not countries:
        raise AcledApiError(
            "which countries? the project has no ACLED events to take them from; "
            "name them (e.g. --country Mali)"
        )
    if start is None:
        span = layer.events.date_range() if layer is not None else None
        if isinstance(saved.get("start"), str):
            start = saved["start"]
        elif span is not None:
            start = str(span[0])[:10]
        else:
            start = dt.date(today.year - 1, 1, 1).isoformat()
    start = _day(start, "start date")
    end = _day(end or today.isoformat(), "end date")
    if start > end:
        raise AcledApiError(f"the start date {start} is after the end date {end}")
    if since is None:
        since = _int_or_none(saved.get("timestamp"))
        if since is None and layer is not None:
            since = max_timestamp(layer.events)
    deleted_since = _int_or_none(saved.get("deleted_timestamp"))
    if deleted_since is None:
        deleted_since = since
    return UpdatePlan(
        layer_id=layer.id if layer is not None else None,
        query=EventQuery(tuple(countries), start, end, since),
        deleted_since=deleted_since,
        events=layer.events if layer is not None else None,
    )


def fetch_update(
    plan: UpdatePlan,
    email: str,
    password: str,
    *,
    base_url: str = DEFAULT_BASE_URL,
    timeout: float = DEFAULT_TIMEOUT_S,
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT_S,
    progress: Progress = NULL_PROGRESS,
) -> UpdateResult:
    """Sign in, read the changes and deletions, and merge them into a new table.

    Runs off the GUI thread; touches no project. Every failure raises one
    :class:`~sahelgis.io.acled_api.AcledApiError` line (or ``Cancelled``).
    """
    progress.set(0.0, "Signing in to ACLED")
    client = AcledClient(
        email,
        password,
        base_url=base_url,
        timeout=timeout,
        total_timeout=total_timeout,
        progress=progress,
    )
    client.sign_in()
    fetched = client.fetch_events(plan.query, start=0.05, span=0.75)
    deletions = client.fetch_deletions(plan.deleted_since)
    progress.set(0.9, "Merging")
    progress.check()
    deleted_ids = [d.event_id_cnty.strip() for d in deletions]
    if (
        plan.events is not None
        and fetched.table is not None
        and fetched.table.synthetic != plan.events.synthetic
    ):
        # real events never go into a SYNTHETIC demo layer (nor the reverse):
        # they make a new layer, with every event of the period, not only the
        # changes since the demo layer's timestamps
        plan = dataclasses.replace(
            plan,
            layer_id=None,
            events=None,
            query=dataclasses.replace(plan.query, since=None),
            deleted_since=None,
        )
        if fetched.table is not None and not fetched.table.synthetic:
            fetched = client.fetch_events(plan.query, start=0.05, span=0.75)
        deleted_ids = []
    if plan.events is not None:
        table, summary = upsert_events(plan.events, fetched.table, deleted_ids)
    elif fetched.table is not None:
        base = EventTable(
            fetched.table.frame.iloc[:0], synthetic=fetched.table.synthetic
        )
        table, summary = upsert_events(base, fetched.table, ())
    else:
        table, summary = None, MergeSummary()
    newest = max_timestamp(fetched.table)
    timestamps = [t for t in (plan.query.since, newest) if t is not None]
    deleted_times = [d.seconds for d in deletions]
    if plan.deleted_since is not None:
        deleted_times.append(plan.deleted_since)
    state: dict[str, Any] = {
        "layer_id": plan.layer_id or "",
        "countries": list(plan.query.countries),
        "start": plan.query.start,
        "timestamp": max(timestamps) if timestamps else None,
        "deleted_timestamp": max(deleted_times) if deleted_times else None,
        "updated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "summary": summary.describe(),
    }
    progress.set(1.0, "Done")
    report = fetched.report
    return UpdateResult(
        plan=plan,
        table=table,
        summary=summary,
        state=state,
        rows=fetched.rows,
        pages=fetched.pages,
        deletions=len(deletions),
        rejected=fetched.rejected,
        rejected_count=report.rows_rejected if report is not None else 0,
    )


def fetch_with_keyring(
    plan: UpdatePlan,
    email: str,
    typed_password: str,
    *,
    remember: bool = False,
    base_url: str = DEFAULT_BASE_URL,
    timeout: float = DEFAULT_TIMEOUT_S,
    progress: Progress = NULL_PROGRESS,
) -> tuple[UpdateResult, str]:
    """:func:`fetch_update` with the password typed, else from the keyring.

    With ``remember`` a typed password is stored in the system keyring once
    the sign-in worked. Returns the result and a note on the keyring (``""``
    when there is nothing to say). Runs off the GUI thread: a keyring may
    block while it asks to be unlocked.
    """
    password = typed_password or keyring_password(email) or ""
    if not password:
        raise AcledApiError(
            f"no ACLED password for {email or 'this account'}: type it (none is "
            "stored in the system keyring)"
        )
    result = fetch_update(
        plan, email, password, base_url=base_url, timeout=timeout, progress=progress
    )
    note = ""
    if remember and typed_password:
        why_not = remember_password(email, typed_password)
        note = (
            "password kept in the system keyring"
            if why_not is None
            else f"password not kept: {why_not}"
        )
    return result, note


def apply_update(project: Project, result: UpdateResult) -> str:
    """Put the result into the project as one undo entry; return the summary line.

    The layer keeps its id, style and position (and its name, the event count
    in it updated); only its events change.
    A project without ACLED layer gets a new one (when events came).

    Raises
    ------
    AcledApiError
        The layer was removed or its events replaced while the update ran;
        nothing is applied.
    """
    plan = result.plan
    layer: EventLayer | None = None
    if plan.layer_id is not None:
        try:
            found = project.layer(plan.layer_id)
        except KeyError:
            found = None
        if not isinstance(found, EventLayer) or found.events is not plan.events:
            raise AcledApiError(
                "the events layer changed while the update ran; nothing was "
                "applied — run the update again"
            )
        layer = found
    state = dict(result.state)
    with project.undo_stack.macro(UNDO_TEXT):
        if layer is not None and result.table is not None:
            if result.table is not layer.events:
                index = project.index_of(layer.id)
                # a style object of its own: views cache per (layer id, style)
                replacement = dataclasses.replace(
                    layer,
                    events=result.table,
                    style=copy.copy(layer.style),
                    name=_recounted(layer.name, len(layer.events), len(result.table)),
                )
                project.remove_layer(layer.id)
                project.add_layer(replacement, index)
        elif layer is None and result.table is not None and len(result.table):
            new = event_layer(result.table, NEW_LAYER_SOURCE)
            project.add_layer(new)
            state["layer_id"] = new.id
        _set_state(project, state)
    return result.describe()


def _recounted(name: str, old: int, new: int) -> str:
    """A layer name ending in its event count, as imports name layers, recounted."""
    for template in ("({:,} events)", "({:,})"):
        if name.endswith(template.format(old)):
            return name[: -len(template.format(old))] + template.format(new)
    return name


def _set_state(project: Project, state: dict[str, Any]) -> None:
    old = project.extra_state.get(STATE_KEY)

    def put(value: object) -> None:
        if value is None:
            project.extra_state.pop(STATE_KEY, None)
        else:
            project.extra_state[STATE_KEY] = value

    project.undo_stack.push(
        Command(f"{UNDO_TEXT} (state)", lambda: put(state), lambda: put(old))
    )


__all__ = [
    "STATE_KEY",
    "UpdatePlan",
    "UpdateResult",
    "acled_layers",
    "apply_update",
    "day_to_unix",
    "fetch_update",
    "fetch_with_keyring",
    "plan_update",
]
