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
MONTH_STATISTICS = ("crossing_month", "collapse_month")
"""Target statistics whose values are month indices (observed as ``YYYY-MM``)."""
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


def month_text(index: float) -> str:
    """``"YYYY-MM"`` of a month index that may be missing: ``"none"`` if it is not finite."""
    return month_label(int(index)) if np.isfinite(index) else "none"


def month_quantiles(months: np.ndarray, qs) -> np.ndarray:
    """Quantiles over replicates of a month index (the month something first happens).

    A replicate in which it never happens (NaN) counts as later than every month (+inf), and
    every quantile is one of the replicates' months (``inverted_cdf``).
    """
    x = np.asarray(months, dtype=float)
    return np.quantile(np.where(np.isnan(x), np.inf, x), qs, method="inverted_cdf")


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
    DatedEvent("2016-07-01", "iskp_leader_killed",
               "ISKP's leader is killed: every ISKP commander loses decapitation_loyalty_loss of "
               "its loyalty.",
               "FACTS §2: leader Hafiz Saeed Khan killed by a US strike, 2016-07 (day not in "
               "FACTS)."),
    DatedEvent("2016-07-01", "pakistan_return_drive",
               "Pakistan's drive to send registered Afghan refugees home: "
               "pakistan_return_drive_2016 of them return each month.",
               "FACTS §7.6: 381,275 registered refugees returned from Pakistan in 2016, most "
               "after July, as Proof-of-Registration cards neared expiry under police pressure "
               "(UNHCR; HRW 2017-02)."),
    DatedEvent("2016-10-01", "jowzjan_pledge",
               "Qari Hekmat, Taliban shadow governor of Darzab, declares for ISKP: Jowzjan's "
               "largest Taliban band goes over to ISKP (unless ISKP already holds a band there "
               "or has no fighters anywhere).",
               "FACTS §1-2: the defection of Qari Hekmatullah (2016; 2015 in some sources) "
               "started most of the Jowzjan violence."),
    DatedEvent("2017-01-01", "pakistan_return_drive_end",
               "Pakistan's 2016 return drive ends (cards extended into 2017, the return grant "
               "halved).",
               "FACTS §7.6: 61 k returned from Pakistan in 2017 against 381 k in 2016 "
               "(UNHCR)."),
    DatedEvent("2017-07-10", "caliphate_collapse",
               "IS central's caliphate collapses (Mosul falls): relocating fighters add "
               "relocation_inflow to ISKP's cross-border inflow; ISKP's attack rate rises by "
               "relocation_attack_gain.",
               "Rationale: IS lost Mosul 2017-07 and Raqqa 2017-10; UN Monitoring Team reports of "
               "2018-19 describe fighters and funds relocating to Afghanistan (not in FACTS)."),
    DatedEvent("2018-04-05", "qari_hekmat_killed",
               "Qari Hekmat, leader of ISKP's Jowzjan branch, is killed: ISKP commanders in "
               "Jowzjan lose decapitation_loyalty_loss of their loyalty.",
               "FACTS §2: Qari Hekmat killed in a US airstrike, 2018-04-05."),
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
    DatedEvent("2020-04-04", "iskp_leader_arrested",
               "ISKP's leader is arrested: every ISKP commander loses decapitation_loyalty_loss "
               "of its loyalty.",
               "FACTS §7.3: the NDS arrested ISKP's leader Aslam Farooqi and 19 others, "
               "2020-04-04."),
    DatedEvent("2021-05-01", "withdrawal",
               "The Taliban's offensive: Taliban-Republic fighting intensifies "
               "(offensive_2021_intensity) as international forces withdraw (their support "
               "falls to 0 by 2021-08-31, INTERNATIONAL_TROOPS).",
               "FACTS §2: withdrawal 2021-05 to 2021-08; Taliban offensive."),
    DatedEvent("2021-08-15", "fall_of_kabul",
               "Kabul falls: from 2021-09 the Republic is gone and the Taliban govern (the "
               "model's own takeover is whatever its balance of forces gives before then).",
               "FACTS §2: Kabul falls 2021-08-15; last US flight 2021-08-31."),
)

TALIBAN_GOVERN = month_index_unchecked("2021-09")
DOHA_TALKS = month_index_unchecked("2018-07")
DOHA_AGREEMENT = month_index_unchecked("2020-03")

INTERNATIONAL_TROOPS: tuple[tuple[str, float, str], ...] = (
    ("2015-01", 14839, "held at the first figure, 2016-12 (no earlier one in FACTS)"),
    ("2016-12", 14839, "FACTS §7.2: US total 8,448 + 6,391 allied troops in RS (13,332 incl. "
                       "6,941 US)"),
    ("2017-08", 17400, "FACTS §7.2: ~11,000 US (AP 2017-08-31) + allies"),
    ("2017-09", 20400, "FACTS §7.2: ~14,000 US (Stars and Stripes 2017-09-18) + allies"),
    ("2020-02", 19700, "FACTS §7.2: ~13,000 US at the Doha agreement + allies"),
    ("2020-07", 15200, "FACTS §7.2: US 'mid-8,000s' (2020-07-13) + allies"),
    ("2020-11", 11200, "FACTS §7.2: US 4-5k + allies"),
    ("2021-01", 9600, "FACTS §7.2: US 2,500 (2021-01-15) + allies"),
    ("2021-05", 9600, "FACTS §7.2: NATO 9,600 incl. 2,500 US begin withdrawal"),
    ("2021-08-31", 0, "FACTS §2: last US flight 2021-08-31"),
)
"""International troops in Afghanistan: (date, troops, source). Allied troops are 6,391 in 2016-12
and 7,100 in 2021-05 (NATO 9,600 less 2,500 US) and interpolated between; the total is what the
model's international support follows (:func:`international_support`)."""
PEAK_TROOPS = max(troops for _, troops, _ in INTERNATIONAL_TROOPS)


def _month_time(date: str) -> float:
    """A date as fractional months since 2015-01 (``YYYY-MM`` is the month's start)."""
    start = month_index_unchecked(date)
    return start + (int(date[8:10]) - 1) / 31.0 if len(date) > 7 else float(start)


@functools.cache
def international_support(month: int) -> float:
    """International support ``S(m)`` in [0, 1]: troops over their peak, averaged over the month.

    Linear between the dated figures of :data:`INTERNATIONAL_TROOPS` (nine points from the
    start to the end of the month); 0 after the last US flight. Cached.

    Args:
        month: Month index.
    """
    times = [_month_time(date) for date, _, _ in INTERNATIONAL_TROOPS]
    troops = [value for _, value, _ in INTERNATIONAL_TROOPS]
    points = month + np.linspace(0.0, 1.0, 9)
    return float(np.interp(points, times, troops, right=0.0).mean() / PEAK_TROOPS)


WEAPONS_RELEASED: tuple[tuple[str, float, str], ...] = (
    ("2015", 947 / 12, "FACTS §7.2: AFCENT, weapons released by US and coalition aircraft"),
    ("2016", 1337 / 12, "FACTS §7.2"),
    ("2017", 4361 / 12, "FACTS §7.2"),
    ("2018", 7362 / 12, "FACTS §7.2"),
    ("2019", 7423 / 12, "FACTS §7.2"),
    ("2020-01", 775 / 2, "FACTS §7.2: 775 in 2020-01 to 02; not published from 2020-03"),
)
"""Air support: weapons released a month, by year (the last figure for 2020-01 and 02).
From 2020-03 the model scales the last figure by the international troops left
(:func:`air_support`)."""
PEAK_WEAPONS = max(rate for _, rate, _ in WEAPONS_RELEASED)
_AIR_DATA_END = month_index_unchecked("2020-03")


@functools.cache
def air_support(month: int) -> float:
    """Air support ``S_air(m)`` in [0, 1]: weapons released a month over the peak year's rate.

    The published monthly rate of the month's year (:data:`WEAPONS_RELEASED`); from 2020-03,
    when AFCENT stopped publishing, the 2020-01..02 rate times the international troops left
    relative to 2020-02 (:func:`international_support`): the aircraft left with the troops.
    Cached.

    Args:
        month: Month index.
    """
    last = WEAPONS_RELEASED[-1][1] / PEAK_WEAPONS
    if month >= _AIR_DATA_END:
        return last * international_support(month) / international_support(_AIR_DATA_END - 1)
    if month >= _AIR_DATA_END - 2:
        return last
    return WEAPONS_RELEASED[month // 12][1] / PEAK_WEAPONS


@functools.cache
def doha_progress(month: int) -> float:
    """Fraction of the Doha moderation completed (0 before 2018-07, 1 from 2020-03).

    ``clip((month - DOHA_TALKS) / (DOHA_AGREEMENT - DOHA_TALKS), 0, 1)``; cached.
    """
    return float(np.clip((month - DOHA_TALKS) / (DOHA_AGREEMENT - DOHA_TALKS), 0.0, 1.0))


CALENDAR_FIELDS = ("international_support", "air_support", "doha_progress")
"""Rows of :func:`calendar_table`: ``S(m)``, ``S_air(m)`` and ``doha_progress(m)``."""


@functools.cache
def calendar_table(n_months: int) -> np.ndarray:
    """The calendar functions by month for the compiled step, shape ``(2, n_months)``.

    Rows: :func:`international_support`, :func:`air_support`, :func:`doha_progress`
    (:data:`CALENDAR_FIELDS`); read-only and cached.
    """
    table = np.array([[international_support(m) for m in range(n_months)],
                      [air_support(m) for m in range(n_months)],
                      [doha_progress(m) for m in range(n_months)]])
    table.flags.writeable = False
    return table
