"""Map ACLED's pre-2019 event types onto today's event and sub-event types.

In March 2019 ACLED replaced its event types and added the ``sub_event_type``
column ("ACLED introduces new event types and sub-event types", acleddata.com,
14 March 2019, with the codebook of that year; see also the 2015 and 2017
codebooks for the old types). Exports made before then, and re-saved copies of
them, still carry the old values. The importer rewrites them so colours,
filters and counts see one taxonomy, and keeps what the file said in
``event_type_original`` / ``sub_event_type_original``; ``event_type_mapping``
says how each row's new values were chosen.

Mapping (old event_type -> event_type / sub_event_type)
-------------------------------------------------------
- Battle-No change of territory -> Battles / Armed clash
- Battle-Government regains territory -> Battles / Government regains territory
- Battle-Non-state actor overtakes territory -> Battles / Non-state actor
  overtakes territory
- Headquarters or base established -> Strategic developments / Headquarters or
  base established
- Non-violent transfer of territory -> Strategic developments / Non-violent
  transfer of territory
- Remote violence -> Explosions/Remote violence / by notes keywords, else empty
- Violence against civilians (without a sub_event_type) -> Violence against
  civilians / by notes keywords, else Attack
- Strategic development, Non-violent activity by a conflict actor (2015 name)
  -> Strategic developments / by notes keywords, else Other
- Riots/Protests -> Riots or Protests / see below

The first five are one-to-one: the 2019 codebook has a sub-event type of the
same name under Battles (the three battle types) or Strategic developments
(the two territorial types) (``event_type_mapping`` = ``"renamed"``).

Riots/Protests (the ambiguous type)
-----------------------------------
The 2019 codebook splits it by whether the demonstrators were violent: Riots
are demonstrations whose participants use violence, Protests are peaceful
demonstrations (violence may be used *against* them). Old files record that
distinction in the actor type: inter code 5 "Rioters" versus 6 "Protesters"
(2015/2017 codebooks). So a row becomes, in this order:

1. ``"by actor type"``: Riots when ``inter1`` is Rioters (5), Protests when
   Protesters (6); if ``inter1`` is neither, the same test on ``inter2``.
2. ``"by interaction"``: else Riots when the ``interaction`` code holds a 5
   (or the text "Rioters"), Protests when it holds a 6 (or "Protesters").
3. ``"unresolved"``: else Protests (SahelGIS's choice, not ACLED's: no
   published rule says what an undecidable row was); the flag lets the
   analyst filter these rows and check the notes.

Sub-event types of the split rows follow the 2019 definitions: Riots ->
Mob violence when the other side is Civilians (interaction 57), else Violent
demonstration; Protests -> Peaceful protest without a second actor
(``actor2`` empty), Protest with intervention with one (e.g. police), and
Excessive force against protesters with one and fatalities > 0.

Keyword sub-event types (``"by notes keywords"``)
-------------------------------------------------
Old types with several possible sub-event types take one from words in
``notes`` (case-insensitive, first match in :data:`NOTES_KEYWORDS` order); this
is SahelGIS's heuristic, not ACLED's coding, so it is flagged. Rows without
a match get the default in the table above (``"renamed"``).

Sources, and what they settle (checked December 2026)
-----------------------------------------------------
- ACLED, "ACLED introduces new event types and sub-event types", 14 March
  2019, https://www.acleddata.com/2019/03/14/acled-introduces-new-event-types-and-sub-event-types/
  — the six new event types and their definitions: Riots are "violent events
  where demonstrators or mobs engage in disruptive acts", Protests "a public
  demonstration in which the participants do not engage in violence, though
  violence may be used against them". This is the rule the Riots/Protests
  split applies (violent demonstrators → Riots).
- ACLED, "Armed Conflict Location & Event Data Project (ACLED) Codebook"
  (2019 edition; copy at
  https://fdokumen.com/documents/armed-conflict-location-event-data-project-acled-.html)
  — the sub-event types used above (Armed clash, Government regains
  territory, Non-state actor overtakes territory, Headquarters or base
  established, Non-violent transfer of territory, Other, the Protests and
  Riots sub-events) and the actor types 5 Rioters, 6 Protesters, 7 Civilians
  (also acledR's ``R/acled_transform_interaction.R``,
  https://github.com/dtacled/acledR).
- C. Raleigh and C. Dowd, "Armed Conflict Location and Event Data Project
  (ACLED) Codebook 2015" (copy at
  https://paperzz.com/doc/7621949/armed-conflict-location-and-event-dataset--acled--codebook)
  — the old event types: the three "Battle-" types, Headquarters or base
  established, Non-violent activity by a conflict actor, Riots/Protests,
  Violence against civilians, Non-violent transfer of territory, Remote
  violence.
- ACLED, "Riots, Protests and Strategic Developments" (methodology note; copy
  at https://docslib.org/doc/7978211/riots-protests-and-strategic-developments)
  — before 2019 riots and protests shared the event type Riots/Protests;
  riots are demonstrations by a group that uses violence, protests those
  whose demonstrators are peaceful.

Not found in any published source available here (so SahelGIS's reading,
not ACLED's rule): a table converting each old type to a new type and
sub-event type (the 2019 announcement links one, "small changes to content
... outlined here", which could not be read); the name "Strategic
development" for the 2017 codebook's type was not checked against its text;
the sub-event type chosen for a split Riots/Protests row (Mob violence
against civilians, else Violent demonstration; Peaceful protest / Protest
with intervention / Excessive force against protesters by the second actor
and fatalities); that old files' inter codes 5/6 use the 2019 numbering; and
the Protests default of unresolved rows. acledR (dtacled/acledR, commit
1e05ba9) has no handling of the pre-2019 types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sahelgis.model import acled_schema as acled

if TYPE_CHECKING:
    from collections.abc import Callable

#: Column holding the file's event_type of a remapped row ("" for other rows).
EVENT_TYPE_ORIGINAL = "event_type_original"
#: Column holding the file's sub_event_type of a remapped row.
SUB_EVENT_TYPE_ORIGINAL = "sub_event_type_original"
#: Column saying how a remapped row's types were chosen ("" for other rows).
EVENT_TYPE_MAPPING = "event_type_mapping"

RENAMED = "renamed"
BY_ACTOR_TYPE = "by actor type"
BY_INTERACTION = "by interaction"
UNRESOLVED = "unresolved"
BY_NOTES = "by notes keywords"

RIOTS_PROTESTS = "Riots/Protests"

#: Old event_type -> (event_type, default sub_event_type). Riots/Protests is
#: resolved row by row (:func:`map_legacy_types`).
LEGACY_EVENT_TYPES: dict[str, tuple[str, str]] = {
    "Battle-No change of territory": ("Battles", "Armed clash"),
    "Battle-Government regains territory": ("Battles", "Government regains territory"),
    "Battle-Non-state actor overtakes territory": (
        "Battles",
        "Non-state actor overtakes territory",
    ),
    "Headquarters or base established": (
        "Strategic developments",
        "Headquarters or base established",
    ),
    "Non-violent transfer of territory": (
        "Strategic developments",
        "Non-violent transfer of territory",
    ),
    "Remote violence": ("Explosions/Remote violence", ""),
    "Violence against civilians": ("Violence against civilians", "Attack"),
    "Strategic development": ("Strategic developments", "Other"),
    "Non-violent activity by a conflict actor": ("Strategic developments", "Other"),
    RIOTS_PROTESTS: ("Protests", "Peaceful protest"),
}

#: New event_type -> (sub_event_type, notes regex) tried in order.
NOTES_KEYWORDS: dict[str, tuple[tuple[str, str], ...]] = {
    "Explosions/Remote violence": (
        ("Suicide bomb", r"suicide"),
        ("Chemical weapon", r"chemical|gas attack"),
        ("Air/drone strike", r"air ?strike|drone|aerial|bombing raid|aircraft"),
        ("Grenade", r"grenade"),
        ("Remote explosive/landmine/IED", r"\bied\b|landmine|mine\b|explosive device"),
        ("Shelling/artillery/missile attack", r"shell|artillery|mortar|rocket|missile"),
    ),
    "Violence against civilians": (
        ("Sexual violence", r"\brape|sexual"),
        ("Abduction/forced disappearance", r"abduct|kidnap|disappear|hostage"),
    ),
    "Strategic developments": (
        ("Arrests", r"arrest|detain"),
        ("Agreement", r"agreement|ceasefire|cease-fire|peace deal|accord\b"),
        ("Looting/property destruction", r"loot|burn|destroy|destruct"),
    ),
}

#: Rows whose event_type is already one of these are never touched, even
#: "Violence against civilians" with a sub_event_type (a current export).
_CURRENT = frozenset(acled.EVENT_TYPES)


def _key(text: str) -> str:
    """Compare old type names ignoring case and spacing around hyphens and slashes."""
    return re.sub(r"\s*([-/\u2013])\s*", r"\1", " ".join(text.split())).casefold()


_BY_KEY: dict[str, str] = {_key(name): name for name in LEGACY_EVENT_TYPES}


@dataclass(frozen=True)
class LegacyMapping:
    """What :func:`map_legacy_types` changed.

    Parameters
    ----------
    mapped
        Rows whose event_type was a pre-2019 type and was rewritten.
    by_type
        Rows mapped per old event_type (as spelled in the file).
    unresolved
        Riots/Protests rows with no actor type or interaction to decide by.
    """

    mapped: int = 0
    by_type: dict[str, int] | None = None
    unresolved: int = 0

    def describe(self) -> str:
        """A report warning naming the old types and how many rows each had."""
        parts = ", ".join(f"{k} ({v})" for k, v in (self.by_type or {}).items())
        line = (
            f"{self.mapped} events with pre-2019 event types mapped to today's "
            f"types (originals kept in {EVENT_TYPE_ORIGINAL}): {parts}"
        )
        if self.unresolved:
            line += (
                f"; {self.unresolved} Riots/Protests events without actor type or "
                f"interaction imported as Protests, marked '{UNRESOLVED}' in "
                f"{EVENT_TYPE_MAPPING}"
            )
        return line


def legacy_name(value: str) -> str | None:
    """The canonical old type name of ``value``, or None if it is not one.

    Parameters
    ----------
    value
        An event_type as found in a file.

    Returns
    -------
    str or None
        A key of :data:`LEGACY_EVENT_TYPES`; "Violence against civilians" only
        counts as old when the caller says the row has no sub_event_type.
    """
    return _BY_KEY.get(_key(value))


def _objects(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A text column as an object array ("" where missing), cheaply for categoricals."""
    if name not in frame:
        return np.full(len(frame), "", dtype=object)
    column = frame[name]
    if isinstance(column.dtype, pd.CategoricalDtype):
        labels = np.array([*map(str, column.cat.categories), ""], dtype=object)
        return labels[column.cat.codes.to_numpy()]  # code -1 -> ""
    return np.asarray(column.astype(str).fillna("").to_numpy(), dtype=object)


def _test(
    frame: pd.DataFrame, name: str, rows: np.ndarray, test: Callable[[str], bool]
) -> np.ndarray:
    """``test`` of each row's text, evaluated once per distinct value."""
    if name not in frame:
        return np.full(len(rows), test(""), dtype=bool)
    column = frame[name]
    if isinstance(column.dtype, pd.CategoricalDtype):
        labels = [*map(str, column.cat.categories), ""]
        per_label = np.array([test(v) for v in labels], dtype=bool)
        return per_label[column.cat.codes.to_numpy()[rows]]
    codes, uniques = pd.factorize(_objects(frame, name)[rows])
    per_value = np.array([test(str(v)) for v in uniques] + [False], dtype=bool)
    return per_value[codes]


def _inter_is(code: str, label: str) -> Callable[[str], bool]:
    return lambda v: v.strip() in (code, label)


def _resolve_riots_protests(
    frame: pd.DataFrame, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Event type, sub-event type and mapping flag of Riots/Protests rows."""
    n = len(rows)
    riots = np.zeros(n, dtype=bool)
    decided = np.zeros(n, dtype=bool)
    for name in (acled.INTER1, acled.INTER2):
        rioter = _test(frame, name, rows, _inter_is("5", "Rioters")) & ~decided
        protester = _test(frame, name, rows, _inter_is("6", "Protesters")) & ~decided
        riots |= rioter
        decided |= rioter | protester
    flag = np.where(decided, BY_ACTOR_TYPE, "").astype(object)
    has5 = _test(
        frame, acled.INTERACTION, rows, lambda v: "5" in v or "rioter" in v.casefold()
    )
    has6 = _test(
        frame,
        acled.INTERACTION,
        rows,
        lambda v: "6" in v or "protester" in v.casefold(),
    )
    by_interaction = ~decided & (has5 | has6)
    riots |= by_interaction & has5
    flag[by_interaction] = BY_INTERACTION
    decided |= by_interaction
    flag[~decided] = UNRESOLVED

    fatalities = (
        frame[acled.FATALITIES].to_numpy(dtype=np.int64)[rows]
        if acled.FATALITIES in frame
        else np.zeros(n, dtype=np.int64)
    )
    actor2 = _test(frame, acled.ACTOR2, rows, lambda v: v.strip() != "")
    mob = _test(
        frame, acled.INTERACTION, rows, lambda v: "7" in v or "civilian" in v.casefold()
    ) | _test(frame, acled.INTER2, rows, _inter_is("7", "Civilians"))
    event_type = np.where(riots, "Riots", "Protests").astype(object)
    sub = np.where(
        actor2,
        np.where(
            fatalities > 0,
            "Excessive force against protesters",
            "Protest with intervention",
        ),
        "Peaceful protest",
    ).astype(object)
    sub[riots] = np.where(mob[riots], "Mob violence", "Violent demonstration")
    return event_type, sub, flag


def _coded(frame: pd.DataFrame, name: str) -> tuple[np.ndarray, list[str]]:
    """A text column as codes and labels: ``labels[codes]`` is its text."""
    if name not in frame:
        return np.zeros(len(frame), dtype=np.int8), [""]
    column = frame[name]
    if isinstance(column.dtype, pd.CategoricalDtype):
        labels = [*map(str, column.cat.categories), ""]
        codes = column.cat.codes.to_numpy()
        if (codes < 0).any():  # missing -> the "" at the end
            codes = np.where(codes < 0, len(labels) - 1, codes)
        return codes, labels
    codes, uniques = pd.factorize(_objects(frame, name))
    return codes, [str(v) for v in uniques]


def _from_codes(codes: np.ndarray, labels: list[str]) -> pd.Categorical:
    """``labels[codes]`` as a categorical of its used labels, sorted."""
    used = np.bincount(codes, minlength=len(labels)) > 0
    categories = sorted({labels[i] for i in np.flatnonzero(used)})
    position = {label: i for i, label in enumerate(categories)}
    lut = np.array([position.get(label, -1) for label in labels], dtype=np.int32)
    return pd.Categorical.from_codes(
        lut[codes], categories=pd.Index(categories, dtype="str")
    )


class _Recoder:
    """A text column as codes, some rows of which get new text."""

    def __init__(self, codes: np.ndarray, labels: list[str]) -> None:
        self.codes = codes.astype(np.int32)
        self.labels = list(labels)
        self._index: dict[str, int] = {}
        for i, label in enumerate(self.labels):
            self._index.setdefault(label, i)

    def set(self, rows: np.ndarray, values: np.ndarray) -> None:
        """Give ``rows`` the text ``values`` (one per row)."""
        codes, uniques = pd.factorize(values)
        lut = np.empty(len(uniques), dtype=np.int32)
        for i, value in enumerate(map(str, uniques)):
            if value not in self._index:
                self._index[value] = len(self.labels)
                self.labels.append(value)
            lut[i] = self._index[value]
        self.codes[rows] = lut[codes]

    def categorical(self) -> pd.Categorical:
        """The column as a categorical of its used text, sorted."""
        return _from_codes(self.codes, self.labels)


def _by_notes(
    frame: pd.DataFrame, rows: np.ndarray, new_type: str
) -> tuple[np.ndarray, np.ndarray]:
    """Sub-event types from notes keywords: (sub-event per row, matched mask)."""
    rules = NOTES_KEYWORDS.get(new_type, ())
    sub = np.full(len(rows), "", dtype=object)
    matched = np.zeros(len(rows), dtype=bool)
    if not rules or acled.NOTES not in frame or len(rows) == 0:
        return sub, matched
    # Arrow text (no Python string per row), missing notes as ""
    notes = frame[acled.NOTES].iloc[rows].astype("str").fillna("")
    for name, pattern in rules:
        hit = notes.str.contains(pattern, case=False, regex=True).to_numpy(dtype=bool)
        new = hit & ~matched
        sub[new] = name
        matched |= new
    return sub, matched


def map_legacy_types(
    frame: pd.DataFrame, *, old_file: bool = False
) -> tuple[pd.DataFrame, LegacyMapping]:
    """Rewrite pre-2019 event types in an imported event frame.

    Parameters
    ----------
    frame
        Events with ACLED columns (``event_type``/``sub_event_type`` as
        categoricals or text; ``inter1``/``inter2`` as labels or codes).
    old_file
        The file is known to be a pre-2019 export (e.g. it has ``ally_actor_1``).
        "Violence against civilians" is in both taxonomies, so its rows without
        a sub_event_type are only mapped (to Attack or a keyword sub-event)
        when this is set or another row has an old type.

    Returns
    -------
    tuple[pandas.DataFrame, LegacyMapping]
        The frame, unchanged when no row has an old type; else with
        ``event_type``/``sub_event_type`` rewritten and the categorical columns
        :data:`EVENT_TYPE_ORIGINAL`, :data:`SUB_EVENT_TYPE_ORIGINAL` and
        :data:`EVENT_TYPE_MAPPING` added (``""`` on rows that were current),
        and what was done.
    """
    column = frame[acled.EVENT_TYPE]
    values = (
        column.cat.categories
        if isinstance(column.dtype, pd.CategoricalDtype)
        else pd.unique(column.astype(str))
    )
    canonical: dict[str, str] = {}
    for value in map(str, values):
        name = legacy_name(value)
        if name is not None and not (value in _CURRENT and name != RIOTS_PROTESTS):
            canonical[value] = name
    # "Violence against civilians" exists in both taxonomies: old only without
    # a sub_event_type, in a file known to be old.
    vac = "Violence against civilians"
    if not canonical and not old_file:
        return frame, LegacyMapping()  # a current file: nothing to do, cheaply
    # by codes, not text per row: 10M events make no 10M-object arrays here
    t_codes, t_labels = _coded(frame, acled.EVENT_TYPE)
    s_codes, s_labels = _coded(frame, acled.SUB_EVENT_TYPE)
    is_old = np.array([label in canonical for label in t_labels], dtype=bool)
    is_vac = np.array([label == vac for label in t_labels], dtype=bool)
    no_sub = np.array([label == "" for label in s_labels], dtype=bool)
    legacy = is_old[t_codes] | (is_vac[t_codes] & no_sub[s_codes])
    canonical.setdefault(vac, vac)
    if not legacy.any():
        return frame, LegacyMapping()

    new_types = _Recoder(t_codes, t_labels)
    new_subs = _Recoder(s_codes, s_labels)
    flags = _Recoder(np.zeros(len(frame), dtype=np.int8), [""])
    old_of_label = np.array([canonical.get(v, "") for v in t_labels], dtype=object)
    used = np.zeros(len(t_labels), dtype=bool)
    used[np.unique(t_codes[legacy])] = True
    unresolved = 0
    for old in dict.fromkeys(old_of_label[used]):
        rows = np.flatnonzero(legacy & (old_of_label == old)[t_codes])
        if old == RIOTS_PROTESTS:
            event_type, sub, flag = _resolve_riots_protests(frame, rows)
            unresolved = int((flag == UNRESOLVED).sum())
        else:
            new_type, default_sub = LEGACY_EVENT_TYPES[old]
            event_type = np.full(len(rows), new_type, dtype=object)
            sub, matched = _by_notes(frame, rows, new_type)
            sub[~matched] = default_sub
            flag = np.where(matched, BY_NOTES, RENAMED).astype(object)
        new_types.set(rows, event_type)
        new_subs.set(rows, sub)
        flags.set(rows, flag)

    out = frame.copy(deep=False)  # copy-on-write: the columns are not copied
    out[acled.EVENT_TYPE] = new_types.categorical()
    out[acled.SUB_EVENT_TYPE] = new_subs.categorical()
    out[EVENT_TYPE_ORIGINAL] = _from_codes(
        np.where(legacy, t_codes, len(t_labels)), [*t_labels, ""]
    )
    out[SUB_EVENT_TYPE_ORIGINAL] = _from_codes(
        np.where(legacy, s_codes, len(s_labels)), [*s_labels, ""]
    )
    out[EVENT_TYPE_MAPPING] = flags.categorical()
    types = np.array(t_labels, dtype=object)[t_codes[legacy]]
    counts = pd.Series(types).value_counts(sort=True)
    return out, LegacyMapping(
        mapped=int(legacy.sum()),
        by_type={str(k): int(v) for k, v in counts.items()},
        unresolved=unresolved,
    )
