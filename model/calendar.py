"""The monthly calendar and the dated exogenous events of the Republic era.

One model step is one calendar month. Month 0 is 2015-01, when ISKP was founded and the
simulation begins. The data calendar ends at 2030-12.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

from model.errors import KhorasanError

ORIGIN_YEAR = 2015
CALENDAR_START = "2015-01"
CALENDAR_END = "2030-12"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")


def month_index(date: str, origin: str = "date") -> int:
    """Convert ``"YYYY-MM"`` (or ``"YYYY-MM-DD"``) to a month index from 2015-01.

    Args:
        date: The date string.
        origin: Where the date came from, for the error message.

    Raises:
        KhorasanError: If the string is malformed or outside 2015-01..2030-12.
    """
    match = _MONTH.match(date) if isinstance(date, str) else None
    if match is None:
        raise KhorasanError(f"{origin}: '{date}' is not a date; allowed format YYYY-MM")
    index = (int(match.group(1)) - ORIGIN_YEAR) * 12 + int(match.group(2)) - 1
    if not 0 <= index <= month_index_unchecked(CALENDAR_END):
        raise KhorasanError(
            f"{origin}: '{date}' is outside the data calendar {CALENDAR_START}..{CALENDAR_END}"
        )
    return index


def month_index_unchecked(date: str) -> int:
    """Month index of a well-formed ``YYYY-MM`` string, without range checks."""
    return (int(date[:4]) - ORIGIN_YEAR) * 12 + int(date[5:7]) - 1


def month_label(index: int) -> str:
    """Return ``"YYYY-MM"`` for a month index."""
    year, month = divmod(index, 12)
    return f"{ORIGIN_YEAR + year:04d}-{month + 1:02d}"


def month_dates(n_months: int) -> np.ndarray:
    """First-of-month dates (``datetime64[M]``) for months 0..n_months-1."""
    return np.datetime64(CALENDAR_START, "M") + np.arange(n_months)


@dataclass(frozen=True)
class DatedEvent:
    """An exogenous dated event that changes the model's regime.

    Attributes:
        date: Day the event happened (``YYYY-MM-DD``).
        name: Handler name; the model calls ``KhorasanModel._on_<name>``.
        description: What changes in the model.
        source: Where the date comes from.
    """

    date: str
    name: str
    description: str
    source: str

    @property
    def month(self) -> int:
        """The month index from which the event is in force (the month it happened in)."""
        return month_index_unchecked(self.date)


DATED_EVENTS: tuple[DatedEvent, ...] = (
    DatedEvent("2016-01-19", "ct_authority",
               "US counter-terrorism strikes on ISKP reach full intensity (25% before).",
               "Brief: strikes heavy in Nangarhar 2016-2019; the January 2016 US authority to "
               "target ISKP is a widely reported policy change, not in FACTS."),
    DatedEvent("2016-10-01", "jowzjan_pledge",
               "Qari Hekmat, Taliban shadow governor of Darzab, declares for ISKP: Jowzjan's "
               "largest Taliban band goes over to ISKP (unless ISKP already holds a band there "
               "or has no fighters anywhere).",
               "FACTS §1-2: the defection of Qari Hekmatullah (2016; 2015 in some sources) "
               "started most of the Jowzjan violence."),
    DatedEvent("2017-07-10", "caliphate_collapse",
               "IS central's caliphate collapses (Mosul falls): relocating fighters add "
               "relocation_inflow to ISKP's cross-border inflow; ISKP's attack rate rises by "
               "relocation_attack_gain.",
               "Rationale: IS lost Mosul 2017-07 and Raqqa 2017-10; UN Monitoring Team reports of "
               "2018-19 describe fighters and funds relocating to Afghanistan (not in FACTS)."),
    DatedEvent("2018-07-23", "doha_talks",
               "The Taliban line starts to moderate linearly until the Doha agreement.",
               "Brief: the line moderates with the Doha talks (2018-2020)."),
    DatedEvent("2019-03-23", "caliphate_end",
               "IS central's last territory (Baghuz) falls: the relocation wave ends.",
               "Rationale: the fall of Baghuz, 2019-03-23, ended IS territorial control "
               "(not in FACTS)."),
    DatedEvent("2019-09-01", "nangarhar_offensive",
               "Afghan/US offensive against ISKP in Nangarhar begins.",
               "FACTS §2: operations 2019-09 to 2019-11 (UN S/2020/415)."),
    DatedEvent("2019-12-01", "nangarhar_offensive_end",
               "The Nangarhar offensive ends.", "FACTS §2."),
    DatedEvent("2020-02-29", "doha_agreement",
               "Doha agreement: CT strikes at half intensity (moderation completes in 2020-03).",
               "FACTS §2: US-Taliban agreement signed 2020-02-29."),
    DatedEvent("2021-05-01", "withdrawal",
               "International withdrawal: Republic force ramps down to zero at 2021-08-15; "
               "Taliban-Republic fighting intensifies.",
               "FACTS §2: withdrawal 2021-05 to 2021-08; Taliban offensive."),
    DatedEvent("2021-08-15", "fall_of_kabul",
               "Kabul falls: from 2021-09 the Republic is gone and the Taliban govern.",
               "FACTS §2: Kabul falls 2021-08-15; last US flight 2021-08-31."),
)

WITHDRAWAL_START = month_index_unchecked("2021-05")
FALL_OF_KABUL = month_index_unchecked("2021-08") + 0.5  # mid-month, in month units
TALIBAN_GOVERN = month_index_unchecked("2021-09")
DOHA_TALKS = month_index_unchecked("2018-07")
DOHA_AGREEMENT = month_index_unchecked("2020-03")


@functools.cache
def withdrawal_factor(month: int) -> float:
    """Mean Republic presence in a month of the withdrawal (1 before it, 0 after the fall).

    Presence falls linearly from 1 at 2021-05-01 to 0 at 2021-08-15; the value is the
    average over the month (nine points). Cached: it is a fixed function of the month.

    Args:
        month: Month index.
    """
    t = month + np.linspace(0.0, 1.0, 9)
    ramp = np.clip((FALL_OF_KABUL - t) / (FALL_OF_KABUL - WITHDRAWAL_START), 0.0, 1.0)
    return float(ramp.mean())


@functools.cache
def doha_progress(month: int) -> float:
    """Fraction of the Doha moderation completed (0 before 2018-07, 1 from 2020-03).

    ``clip((month - DOHA_TALKS) / (DOHA_AGREEMENT - DOHA_TALKS), 0, 1)``; cached.
    """
    return float(np.clip((month - DOHA_TALKS) / (DOHA_AGREEMENT - DOHA_TALKS), 0.0, 1.0))


CALENDAR_FIELDS = ("withdrawal_presence", "doha_progress")
"""Rows of :func:`calendar_table`: ``W(m)`` and ``doha_progress(m)``."""


@functools.cache
def calendar_table(n_months: int) -> np.ndarray:
    """The calendar functions by month for the compiled step, shape ``(2, n_months)``.

    Row 0 is :func:`withdrawal_factor`, row 1 :func:`doha_progress` (:data:`CALENDAR_FIELDS`);
    read-only and cached.
    """
    table = np.array([[withdrawal_factor(m) for m in range(n_months)],
                      [doha_progress(m) for m in range(n_months)]])
    table.flags.writeable = False
    return table
