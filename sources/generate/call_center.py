"""Contact-center call-detail records and post-call surveys (CSV exports).

Four sites report in their own local time, with daylight saving time, so the offsets
are -05:00/-04:00, -08:00/-07:00, +00:00/+01:00 and +01:00/+02:00, and an evening call
on the last day of a month can fall in the next month in UTC. Customers call more
while they are active; some call again within days; strangers and withheld numbers
call too. A share of answered inbound calls gets a survey.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from sources.call_center import CALLS, SURVEYS

from . import text
from .calendar import DAY, HOUR, Calendar, unix_day
from .ids import chars_to_series, random_hex
from .lifecycle import Lifecycle
from .population import Population

CALL_COLUMNS = [f.name for f in CALLS.fields]  # the contract, in its order
SURVEY_COLUMNS = [f.name for f in SURVEYS.fields]

# Site: standard UTC offset in hours and its daylight-saving rule.
_SITES = [(-5, "us"), (-8, "us"), (0, "eu"), (1, "eu")]
_DISPOSITIONS = ["resolved", "follow_up", "escalated", "abandoned", "voicemail"]
RESOLVED, FOLLOW_UP, ESCALATED, ABANDONED, VOICEMAIL = range(5)
_INBOUND_QUEUES = (["billing", "technical", "general"], [0.35, 0.45, 0.20])
_OUTBOUND_QUEUES = (["billing", "general"], [0.6, 0.4])
_INACTIVE_RATE = 0.12  # calls of prospects and lapsed customers, relative to their propensity
_ANONYMOUS = 0.08  # calls from numbers no system knows, per known call
_OUTBOUND = 0.15
_WITHHELD = 0.04
_IVR_ENTRY = 0.35
_SURVEYED = 0.22
_REDELIVERED = 0.01
_MONTH_TURN_NIGHT = 0.03


@dataclass(frozen=True)
class CallRecords:
    calls: pl.DataFrame  # versions: _rec, _ts and the CSV columns
    surveys: pl.DataFrame


def _nth_sunday(year: int, month: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


def _last_sunday(year: int, month: int) -> dt.date:
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() + 1) % 7)


def utc_offsets(site: np.ndarray, utc: np.ndarray, years: range) -> np.ndarray:
    """Local UTC offset in seconds of each site at each instant (US and EU DST rules)."""
    std = np.array([s[0] for s in _SITES])[site] * HOUR
    dst = np.zeros(len(site), dtype=bool)
    for index, (hours, rule) in enumerate(_SITES):
        for year in years:
            if rule == "us":  # 2:00 local standard time to 2:00 local daylight time
                start = unix_day(_nth_sunday(year, 3, 2)) + 2 * HOUR - hours * HOUR
                end = unix_day(_nth_sunday(year, 11, 1)) + 2 * HOUR - (hours + 1) * HOUR
            else:  # 1:00 UTC to 1:00 UTC
                start = unix_day(_last_sunday(year, 3)) + HOUR
                end = unix_day(_last_sunday(year, 10)) + HOUR
            dst |= (site == index) & (utc >= start) & (utc < end)
    return std + dst * HOUR


def _iso_local(utc: pl.Expr, offset: pl.Expr) -> pl.Expr:
    """`2025-03-04T09:15:02-05:00`: local wall-clock time and its offset."""
    sign = pl.when(offset < 0).then(pl.lit("-")).otherwise(pl.lit("+"))
    hours = (offset.abs() // HOUR).cast(pl.String).str.zfill(2)
    minutes = (offset.abs() % HOUR // 60).cast(pl.String).str.zfill(2)
    wall = pl.from_epoch(utc + offset, time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%S")
    return pl.concat_str([wall, sign, hours, pl.lit(":"), minutes])


@dataclass
class _Outcome:
    answered: np.ndarray
    answer_delay: np.ndarray
    duration: np.ndarray  # started -> ended, seconds
    disposition: np.ndarray
    wrap: np.ndarray  # -1 = empty


def _outcomes(rng: np.random.Generator, inbound: np.ndarray, off_hours: np.ndarray) -> _Outcome:
    n = len(inbound)
    r = rng.random(n)
    short_abandon = inbound & (r < 0.03)
    voicemail = (
        inbound
        & ~short_abandon
        & ((off_hours & (rng.random(n) < 0.7)) | ((r >= 0.03) & (r < 0.04)))
    )
    abandon = inbound & ~short_abandon & ~voicemail & (r >= 0.04) & (r < 0.08)
    out_answered = ~inbound & (rng.random(n) < 0.65)
    answered = (inbound & ~short_abandon & ~voicemail & ~abandon) | out_answered

    delay = np.where(
        inbound,
        np.clip(np.exp(rng.normal(np.log(10), 0.9, size=n)), 1, 900),
        rng.integers(5, 30, size=n),
    ).astype(np.int64)
    talk = np.clip(np.exp(rng.normal(np.log(240), 0.7, size=n)), 15, 5400).astype(np.int64)
    duration = np.select(
        [answered, short_abandon, voicemail | (~inbound & ~answered & (r < 0.7)), abandon],
        [
            delay + talk,
            rng.integers(1, 5, size=n),
            delay + rng.integers(20, 150, size=n),
            rng.integers(5, 300, size=n),
        ],
        default=delay + rng.integers(0, 3, size=n),
    )
    handled = rng.choice(3, size=n, p=[0.76, 0.15, 0.09])
    disposition = np.select(
        [answered, voicemail | (~inbound & (r < 0.7))], [handled, VOICEMAIL], default=ABANDONED
    )
    wrap = np.where(answered & (rng.random(n) > 0.08), rng.integers(5, 180, size=n), -1)
    return _Outcome(answered, delay, duration, disposition, wrap)


def build_calls(
    rng: np.random.Generator,
    pop: Population,
    life: Lifecycle,
    cal: Calendar,
    billing_id: pl.Series,
    agents: int,
) -> CallRecords:
    months = cal.months + 1
    # Calls per customer and month: more while active, a little before and after.
    rate = pop.call_rate[:, None] * np.where(
        life.active, 1.0, np.where((pop.has_crm | pop.is_payer)[:, None], _INACTIVE_RATE, 0.0)
    )
    counts = rng.poisson(rate)
    c_idx, m_idx = np.nonzero(counts)
    reps = counts[c_idx, m_idx]
    cust = np.repeat(c_idx, reps)
    month = np.repeat(m_idx, reps)
    anonymous = rng.poisson(_ANONYMOUS * len(cust))
    cust = np.concatenate([cust, np.full(anonymous, -1)])
    month = np.concatenate([month, rng.integers(0, months, size=anonymous)])
    n = len(cust)
    known = cust >= 0
    kc = np.maximum(cust, 0)

    inbound = ~known | (rng.random(n) >= _OUTBOUND)
    country = np.where(known, pop.country[kc], rng.integers(0, len(text.COUNTRIES), size=n))
    site = np.where(
        country <= 1, rng.choice([0, 1], size=n, p=[0.6, 0.4]), rng.choice([2, 3], size=n)
    )
    std = np.array([s[0] for s in _SITES])[site] * HOUR
    days = (cal.month_starts[month + 1] - cal.month_starts[month]) // DAY
    day = (rng.random(n) * days).astype(np.int64)
    off_hours = inbound & (rng.random(n) < 0.08)
    time_of_day = np.where(
        off_hours, rng.integers(0, DAY, size=n), rng.integers(8 * HOUR, 20 * HOUR, size=n)
    )
    started = cal.month_starts[month] + day * DAY - std + time_of_day
    # The night line around the turn of the month (when invoices arrive), placed by its UTC
    # instant: the first UTC hours of the next month are still the evening before at the
    # American sites; the last UTC hour of the previous month is already the 1st in Europe.
    night = inbound & (rng.random(n) < _MONTH_TURN_NIGHT)
    night_started = np.where(
        std < 0,
        cal.month_starts[month + 1] + rng.integers(0, 3 * HOUR, size=n),
        cal.month_starts[month] - rng.integers(1, HOUR, size=n),
    )
    started = np.where(night, night_started, started)
    off_hours |= night
    outcome = _outcomes(rng, inbound, off_hours)

    # The number on the line: the customer's phone, now and then another one (a mobile, a
    # colleague's line), as the platform records it: mostly E.164.
    own = known & (rng.random(n) < 0.8)
    strangers = text.phones(rng, country)
    number = pl.DataFrame(
        {
            c: pl.select(
                pl.when(pl.Series(own)).then(pop.phone[c].gather(kc)).otherwise(strangers[c])
            ).to_series()
            for c in ["cc", "area", "sub"]
        }
    )
    style = rng.random(n)
    recorded = number.select(
        pl.when(pl.Series(style < 0.15) & (pl.col("cc") == "1"))
        .then(pl.concat_str(["area", "sub"]))
        .when(pl.Series(style < 0.25))
        .then(pl.concat_str([pl.lit("+"), "cc", pl.lit(" "), "area", pl.lit(" "), "sub"]))
        .otherwise(text.phone_e164(pl.col("cc"), pl.col("area"), pl.col("sub")))
    ).to_series()

    # Repeat callers: unresolved problems bring the same caller back within days.
    repeat_p = np.where(np.isin(outcome.disposition, [FOLLOW_UP, ESCALATED]), 0.35, 0.07)
    again = np.nonzero(known & inbound & outcome.answered & (rng.random(n) < repeat_p))[0]
    ended = started + outcome.duration
    again_started = ended[again] + rng.integers(2 * HOUR, 6 * DAY, size=len(again))
    again_outcome = _outcomes(
        rng, np.ones(len(again), dtype=bool), np.zeros(len(again), dtype=bool)
    )

    source = np.concatenate([np.arange(n), again])
    started = np.concatenate([started, again_started])
    inbound = np.concatenate([inbound, np.ones(len(again), dtype=bool)])
    outcome = _Outcome(
        *(
            np.concatenate([getattr(outcome, f), getattr(again_outcome, f)])
            for f in ["answered", "answer_delay", "duration", "disposition", "wrap"]
        )
    )
    cust, site, known = cust[source], site[source], known[source]
    kc = np.maximum(cust, 0)
    n = len(cust)
    ended = started + outcome.duration
    keep = (started >= cal.window_start_ts) & (ended < cal.as_of_ts)
    caller = pl.select(
        pl.when(pl.Series(inbound & (rng.random(n) < _WITHHELD)))
        .then(None)
        .otherwise(recorded.gather(source))
    ).to_series()
    ivr = rng.random(n)
    garbage_ref = pl.Series(["12345", "cus_", "0", "my account", "INV-0042"]).gather(
        rng.integers(0, 5, size=n)
    )
    customer_ref = pl.select(
        pl.when(pl.Series(inbound & known & pop.is_payer[kc] & (ivr < _IVR_ENTRY)))
        .then(billing_id.gather(kc))
        .when(pl.Series(inbound & (ivr > 0.99)))
        .then(garbage_ref)
        .otherwise(None)
    ).to_series()
    queue = np.where(
        inbound,
        rng.choice(_INBOUND_QUEUES[0], size=n, p=_INBOUND_QUEUES[1]),
        rng.choice(_OUTBOUND_QUEUES[0], size=n, p=_OUTBOUND_QUEUES[1]),
    )
    agent = pl.select(
        pl.when(pl.Series(outcome.answered))
        .then(
            pl.concat_str(
                [
                    pl.lit("agt_"),
                    pl.Series(rng.integers(1, agents + 1, size=n)).cast(pl.String).str.zfill(4),
                ]
            )
        )
        .otherwise(None)
    ).to_series()
    offset = utc_offsets(site, started, range(cal.window_start.year, cal.as_of.year + 2))
    call_id = chars_to_series(n, b"CA", random_hex(rng, n, 32))
    answered_at = started + outcome.answer_delay

    calls = (
        pl.DataFrame(
            {
                "call_id": call_id,
                "direction": np.where(inbound, "inbound", "outbound"),
                "caller_number": caller,
                "customer_ref": customer_ref,
                "queue": queue,
                "agent_id": agent,
                "_started": started,
                "_answered": np.where(outcome.answered, answered_at, -1),
                "_ended": ended,
                "_offset": offset,
                "wrap_seconds": outcome.wrap,
                "_disposition": outcome.disposition,
                "_cust": cust,
                "_keep": keep,
            }
        )
        .filter(pl.col("_keep"))
        .with_row_index("_rec")
        .with_columns(pl.col("_rec").cast(pl.Int64))
    )
    surveys = _surveys(rng, pop, calls)

    # A few calls are exported before after-call work is done, then again with the outcome.
    redo = calls.filter(
        (pl.col("_answered") >= 0) & pl.Series(rng.random(calls.height) < _REDELIVERED)
    ).with_columns(
        pl.lit(None, pl.Int64).alias("wrap_seconds"),
        pl.lit(FOLLOW_UP).alias("_disposition"),
        pl.col("_ended").alias("_ts"),
    )
    final = calls.with_columns(
        pl.when(pl.col("_rec").is_in(redo["_rec"].implode()))
        .then(pl.col("_ended") + pl.Series(rng.integers(DAY, 5 * DAY, size=calls.height)))
        .otherwise(pl.col("_ended"))
        .alias("_ts")
    )
    versions = pl.concat([redo, final], how="vertical_relaxed")
    return CallRecords(versions.select("_rec", "_ts", *_call_columns()), surveys)


def _call_columns() -> list[pl.Expr]:
    offset = pl.col("_offset")
    return [
        pl.col("call_id"),
        pl.col("direction"),
        pl.col("caller_number"),
        pl.col("customer_ref"),
        pl.col("queue"),
        pl.col("agent_id"),
        _iso_local(pl.col("_started"), offset).alias("started_at"),
        pl.when(pl.col("_answered") >= 0)
        .then(_iso_local(pl.col("_answered"), offset))
        .otherwise(None)
        .alias("answered_at"),
        _iso_local(pl.col("_ended"), offset).alias("ended_at"),
        pl.when(pl.col("wrap_seconds") >= 0)
        .then(pl.col("wrap_seconds"))
        .otherwise(None)
        .alias("wrap_seconds"),
        pl.lit(pl.Series(_DISPOSITIONS)).gather(pl.col("_disposition")).alias("disposition"),
    ]


def _surveys(rng: np.random.Generator, pop: Population, calls: pl.DataFrame) -> pl.DataFrame:
    eligible = calls.filter((pl.col("direction") == "inbound") & (pl.col("_answered") >= 0))
    eligible = eligible.filter(pl.Series(rng.random(eligible.height) < _SURVEYED))
    n = eligible.height
    cust = eligible["_cust"].to_numpy()
    mood = np.where(cust >= 0, pop.mood[np.maximum(cust, 0)], 0.0)
    effect = np.array([0.5, -0.4, -1.2, 0.0, 0.0])[eligible["_disposition"].to_numpy()]
    x = 0.6 * mood + effect + rng.normal(0.0, 1.0, size=n)
    csat = np.digitize(x, [-2.3, -1.6, -0.8, 0.1]) + 1
    nps = np.clip(np.round(8.2 + 1.9 * x), 0, 10).astype(np.int64)
    effort = np.clip(np.round(5.4 + 1.2 * x), 1, 7).astype(np.int64)
    delay = np.clip(np.exp(rng.normal(np.log(3 * HOUR), 1.2, size=n)), 60, 10 * DAY).astype(
        np.int64
    )
    responded = eligible["_ended"].to_numpy() + delay
    comment_pick = rng.integers(0, len(text.SURVEY_COMMENTS), size=n)
    # A few surveys refer to calls that were never exported.
    orphan = rng.random(n) < 0.005
    call_id = pl.select(
        pl.when(pl.Series(orphan))
        .then(chars_to_series(n, b"CA", random_hex(rng, n, 32)))
        .otherwise(eligible["call_id"])
    ).to_series()

    def maybe(values: np.ndarray | pl.Series, empty_share: float) -> pl.Series:
        return pl.select(
            pl.when(pl.Series(rng.random(n) < empty_share)).then(None).otherwise(pl.Series(values))
        ).to_series()

    frame = pl.DataFrame(
        {
            "_rec": np.arange(n),
            "_ts": responded,
            "survey_id": chars_to_series(n, b"srv_", random_hex(rng, n, 20)),
            "call_id": call_id,
            "responded_at": pl.Series(responded),
            "csat": maybe(csat, 0.05),
            "nps": maybe(nps, 0.12),
            "effort": maybe(effort, 0.2),
            "comment": maybe(pl.Series(text.SURVEY_COMMENTS).gather(comment_pick), 0.55),
        }
    )
    return frame.with_columns(
        pl.from_epoch("responded_at", time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    )
