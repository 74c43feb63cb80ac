"""Core metrics at scale: the live snapshot and a month's per-unit figures over 1 M tickets.

Loads N tickets (default 1,000,000) with their timelines (events, assignments, callbacks,
extensions, supervision flags) and ~1.2 N calls into a dedicated PostgreSQL database through
COPY, then times the metric queries the wallboard and the reports run. Beside each figure it
prints the same query on the empty database, and PostgreSQL's raw COPY insert rate measured
in the same run. Target: ≤ 200 ms per query.

    .venv/bin/python bench/core_bench.py                 # 1 M tickets, a few minutes on 2 cores
    .venv/bin/python bench/core_bench.py --tickets 100000
    .venv/bin/python bench/core_bench.py --reuse         # time the queries on the last load again

The database named by --db (default ``hotline_bench``) is dropped and re-created: never point
it at one you keep. The test suite's ``test`` database is left alone.
"""

import argparse
import functools
import itertools
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

import hotline.models  # noqa: F401  (registers every table)
from hotline.db import make_engine
from hotline.metrics.service import (
    breakdown,
    live_snapshot,
    period_metrics,
    unit_ranking,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=SHANGHAI).astimezone(UTC)
MONTH = (
    datetime(2026, 10, 1, tzinfo=SHANGHAI).astimezone(UTC),
    datetime(2026, 11, 1, tzinfo=SHANGHAI).astimezone(UTC),
)
SPAN_S = 365 * 86400
NOW_S = int(NOW.timestamp())
START_S = NOW_S - SPAN_S
TARGET_MS = 200.0
N_UNITS, N_CATEGORIES, N_SEATS = 150, 40, 120
DISTRICTS = [
    "双清区",
    "大祥区",
    "北塔区",
    "邵东市",
    "新邵县",
    "邵阳县",
    "隆回县",
    "洞口县",
    "绥宁县",
    "新宁县",
    "城步苗族自治县",
    "武冈市",
]
N = "\\N"  # COPY's NULL

# Each table's COPY column list; enums are written as their NAMES, the way SQLAlchemy stores them.
COLUMNS = {
    "unit": "id, code, name, short_name, kind, district, liaison_name, liaison_phone, hotline_number, active",
    "category": "id, code, name, default_unit_code, utility",
    "seat": "id, code, interface, name, state, pause_reason, state_since, current_linkedid",
    "ticket": (
        'id, number, query_code, status, channel, caller_name, caller_phone, who, "when", address, '
        "title, content, nature, urgency, district, street, confidential, category_id, complex, "
        "lead_unit_id, master_id, reject_reason, dispatch_count, reply_text, satisfaction, solved, "
        "callback_attempts, created_at, updated_at, dispatched_at, signed_at, returned_at, replied_at, "
        "closed_at, rejected_at, merged_at, sign_due_at, sign_yellow_at, handle_due_at, "
        "handle_yellow_at, return_due_at, callback_due_at, callback_done_at"
    ),
    "assignment": (
        "ticket_id, unit_id, role, round, active, designated, dispatched_at, signed_at, contacted_at, "
        "replied_at, returned_at, reply_text"
    ),
    "callbackrecord": "ticket_id, attempt, at, reached, satisfaction, solved, note",
    "ticketevent": (
        "ticket_id, at, action, actor_role, actor_name, unit_id, from_status, to_status, note, data"
    ),
    "extensionrequest": (
        "ticket_id, unit_id, working_days, reason, state, requested_at, decided_at, old_due_at, new_due_at"
    ),
    "supervision": "ticket_id, note, due_at, created_at, resolved_at",
    "call": (
        "linkedid, caller_number, caller_name, queue, joined_at, ringing_at, answered_at, ended_at, "
        "wait_s, ring_s, talk_s, outcome, seat_id, interface, transferred_to, hangup_reason, worklist, "
        "worklist_note"
    ),
}
GENERATED = [
    "ticket",
    "assignment",
    "callbackrecord",
    "ticketevent",
    "extensionrequest",
    "supervision",
    "call",
]

# The ticket's *_at columns after created_at/updated_at, in COPY order.
STAMPS = (
    "dispatched", "signed", "returned", "replied", "closed", "rejected", "merged", "sign_due", "sign_yellow",
    "handle_due", "handle_yellow", "return_due", "callback_due", "callback_done",
)  # fmt: skip
_SECONDS = [f":{s:02d}+00" for s in range(60)]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@functools.cache
def _minute(minute: int) -> str:
    return (_EPOCH + timedelta(minutes=minute)).strftime("%Y-%m-%d %H:%M")


def ts(seconds: int | None) -> str:
    """COPY text for an epoch second: 'YYYY-MM-DD HH:MM:SS+00'."""
    if seconds is None:
        return N
    return _minute(seconds // 60) + _SECONDS[seconds % 60]


def _weights(n: int) -> list[int]:
    """Skewed unit popularity: a few units take most tickets, as in any city."""
    return [int(1000 / (rank**0.9)) + 1 for rank in range(1, n + 1)]


# --- generation (in worker processes) ------------------------------------------------------------


class _Writers:
    def __init__(self, folder: Path, chunk: int) -> None:
        self.files: dict[str, TextIO] = {
            t: (folder / f"{t}.{chunk:04d}.tsv").open("w", encoding="utf-8", buffering=1 << 20)
            for t in GENERATED
        }
        self.rows = dict.fromkeys(GENERATED, 0)

    def row(self, table: str, *values: str) -> None:
        self.files[table].write("\t".join(values) + "\n")
        self.rows[table] += 1

    def close(self) -> None:
        for f in self.files.values():
            f.close()


TITLES = [
    "小区路灯不亮",
    "噪音扰民",
    "自来水停水",
    "占道经营",
    "物业收费纠纷",
    "拖欠工资",
    "道路坑洼",
    "垃圾未清运",
]
NATURES = ["CONSULTATION"] * 30 + ["HELP"] * 30 + ["COMPLAINT"] * 25 + ["REPORT"] * 8 + ["SUGGESTION"] * 5
NATURES += ["PRAISE", "OTHER"]
CHANNELS = ["PHONE"] * 80 + ["WEB"] * 10 + ["MAILBOX"] * 7 + ["API"] * 3
URGENCIES = ["NORMAL"] * 90 + ["URGENT"] * 8 + ["CRITICAL"] * 2
UNIT_IDS = list(range(1, N_UNITS + 1))
UNIT_CUM = list(itertools.accumulate(_weights(N_UNITS)))


def generate_chunk(
    folder: str, chunk: int, first_id: int, last_id: int, total: int, seed: int
) -> dict[str, int]:
    """Write tickets first_id..last_id (created in id order over the year) and their rows."""
    rng = random.Random(seed * 1_000_003 + chunk)
    out = _Writers(Path(folder), chunk)
    per_ticket = SPAN_S / total
    for tid in range(first_id, last_id + 1):
        created = START_S + int((tid - 1) * per_ticket + rng.random() * per_ticket)
        _ticket(out, rng, tid, created)
    # Calls over the same slice of the year: ~1.2 per ticket.
    lo = START_S + int((first_id - 1) * per_ticket)
    hi = min(START_S + int(last_id * per_ticket), NOW_S - 600)
    for k in range(int((last_id - first_id + 1) * 1.2)):
        _call(out, rng, f"{chunk}-{k}", lo + int(rng.random() * (hi - lo)))
    out.close()
    return out.rows


def _event(
    out: _Writers, tid: int, at: int, action: str, role: str, before: str, after: str, unit: str = N
) -> None:
    if at <= NOW_S:
        out.row("ticketevent", str(tid), ts(at), action, role, "", unit, before, after, "", "{}")


def _ticket(out: _Writers, rng: random.Random, tid: int, created: int) -> None:
    r = rng.random()
    channel = rng.choice(CHANNELS)
    nature = rng.choice(NATURES)
    urgency = rng.choice(URGENCIES)
    category = str(rng.randrange(1, N_CATEGORIES + 1)) if rng.random() < 0.95 else N
    t: dict[str, Any] = {
        "status": "DRAFT",
        "lead": N,
        "master": N,
        "reject": N,
        "dispatches": 0,
        "satisfaction": N,
        "solved": N,
        "attempts": 0,
    }
    stamps: dict[str, int | None] = dict.fromkeys(STAMPS, None)
    _event(out, tid, created, "CREATE", "OPERATOR", N, "DRAFT")
    updated = created
    if r < 0.10:  # answered on the spot from the knowledge base
        closed = created + rng.randrange(60, 600)
        if closed <= NOW_S:
            t["status"], stamps["closed"] = "CLOSED", closed
            t["satisfaction"] = "SATISFIED" if rng.random() < 0.9 else "BASICALLY_SATISFIED"
            _event(out, tid, closed, "CLOSE_ON_SPOT", "OPERATOR", "DRAFT", "CLOSED")
            updated = closed
    elif r < 0.13:  # 不予受理
        rejected = created + rng.randrange(60, 600)
        if rejected <= NOW_S:
            t["status"], stamps["rejected"], t["reject"] = "REJECTED", rejected, "OUT_OF_SCOPE"
            _event(out, tid, rejected, "REJECT", "OPERATOR", "DRAFT", "REJECTED")
            updated = rejected
    elif r < 0.18 and tid > 1:  # 并案 into an earlier ticket
        merged = created + rng.randrange(300, 3600)
        if merged <= NOW_S:
            t["status"], stamps["merged"], t["master"] = (
                "MERGED",
                merged,
                str(max(1, tid - rng.randrange(1, 300))),
            )
            _event(out, tid, merged, "MERGE", "DISPATCHER", "DRAFT", "MERGED")
            due = merged + 8 * 86400
            if due <= NOW_S:
                stamps["callback_due"] = due
                _event(out, tid, due - 86400, "FOLLOW_MASTER", "SYSTEM", "MERGED", "MERGED")
                done = due - rng.randrange(3600, 80000)
                if rng.random() < 0.96:
                    stamps["callback_done"] = done
                    satisfaction = "SATISFIED" if rng.random() < 0.93 else "BASICALLY_SATISFIED"
                    t["satisfaction"], t["attempts"] = satisfaction, 1
                    out.row("callbackrecord", str(tid), "1", ts(done), "t", satisfaction, "t", "")
                    _event(out, tid, done, "CALLBACK_SATISFIED", "OPERATOR", "MERGED", "MERGED")
                updated = max(done, merged)
    else:
        updated = _dispatched(out, rng, tid, created, urgency, t, stamps)
    number = f"B{tid:010d}"
    out.row(
        "ticket",
        str(tid),
        number,
        f"{tid % 999983:06d}",
        t["status"],
        channel,
        "市民",
        f"138{rng.randrange(10_000_000, 99_999_999)}",
        "",
        "",
        "某小区",
        TITLES[tid % len(TITLES)],
        "来电反映" + TITLES[tid % len(TITLES)] + "，请尽快处理。",
        nature,
        urgency,
        DISTRICTS[rng.randrange(len(DISTRICTS))],
        "",
        "f",
        category,
        "f",
        t["lead"],
        t["master"],
        t["reject"],
        str(t["dispatches"]),
        "已处理" if stamps["replied"] else "",
        t["satisfaction"],
        t["solved"],
        str(t["attempts"]),
        ts(created),
        ts(updated),
        *(ts(stamps[k]) for k in stamps),
    )


def _dispatched(
    out: _Writers,
    rng: random.Random,
    tid: int,
    created: int,
    urgency: str,
    t: dict[str, Any],
    stamps: dict[str, int | None],
) -> int:
    """派单 → 签收 → 响应 → (延期) → 办结回复 → 回访 → 办结, each step only if it happened by NOW."""
    lead = str(rng.choices(UNIT_IDS, cum_weights=UNIT_CUM)[0])
    dispatched = created + rng.randrange(300, 3600)
    if dispatched > NOW_S:
        return created
    t["status"], t["lead"], t["dispatches"] = "DISPATCHED", lead, 1
    stamps["dispatched"] = dispatched
    _event(out, tid, dispatched, "DISPATCH", "DISPATCHER", "DRAFT", "DISPATCHED")
    if rng.random() < 0.06:  # a first unit returned it; re-dispatched to the right one
        first = str(rng.randrange(1, N_UNITS + 1))
        back = dispatched + rng.randrange(1800, 20000)
        out.row("assignment", str(tid), first, "LEAD", "1", "f", "f", ts(dispatched), N, N, N, ts(back), "")
        _event(out, tid, back, "RETURN", "UNIT", "DISPATCHED", "RETURNED", first)
        dispatched = back + rng.randrange(600, 7200)
        if dispatched > NOW_S:
            t["status"], t["lead"], stamps["returned"] = "RETURNED", first, back
            return back
        t["dispatches"] = 2
        _event(out, tid, dispatched, "REDISPATCH", "DISPATCHER", "RETURNED", "DISPATCHED")
        stamps["dispatched"] = dispatched
    limit = {"CRITICAL": 7200, "URGENT": 86400}.get(urgency, 7 * 86400)
    sign_limit = 900 if urgency == "CRITICAL" else 86400
    stamps["sign_due"], stamps["sign_yellow"] = dispatched + sign_limit, dispatched + int(sign_limit * 0.8)
    stamps["handle_due"], stamps["handle_yellow"] = dispatched + limit, dispatched + int(limit * 0.8)
    stamps["return_due"] = dispatched + 86400
    signed = dispatched + int(rng.expovariate(1 / 3000)) + 60
    roll = rng.random()
    contacted: int | None = (
        dispatched + rng.randrange(1800, 72000)
        if roll < 0.90
        else (dispatched + rng.randrange(86401, 200000) if roll < 0.97 else None)
    )
    late = rng.random() < 0.03
    replied = dispatched + int(limit * (rng.uniform(1.02, 1.6) if late else rng.uniform(0.1, 0.95)))
    co = str(rng.randrange(1, N_UNITS + 1)) if rng.random() < 0.12 else None
    extension = rng.random() < 0.03
    updated = dispatched
    if signed <= NOW_S:
        t["status"], stamps["signed"] = "HANDLING", signed
        _event(out, tid, signed, "SIGN", "UNIT", "DISPATCHED", "HANDLING", lead)
        updated = signed
    if contacted is not None and contacted <= NOW_S:
        _event(out, tid, contacted, "CONTACT", "UNIT", t["status"], t["status"], lead)
    else:
        contacted = None
    if extension and signed <= NOW_S:
        asked = signed + int((stamps["handle_due"] - signed) * 0.5)  # type: ignore[operator]
        if asked <= NOW_S:
            old_due = stamps["handle_due"]
            new_due = old_due + 5 * 86400  # type: ignore[operator]
            stamps["handle_due"], stamps["handle_yellow"] = (
                new_due,
                dispatched + int((new_due - dispatched) * 0.8),
            )
            replied = max(replied, old_due + 3600) if late else replied  # type: ignore[operator]
            out.row(
                "extensionrequest", str(tid), lead, "5", "等待配件", "APPROVED", ts(asked), ts(asked + 3600),
                ts(old_due), ts(new_due),
            )  # fmt: skip
            _event(out, tid, asked, "REQUEST_EXTENSION", "UNIT", "HANDLING", "HANDLING", lead)
            _event(out, tid, asked + 3600, "APPROVE_EXTENSION", "DISPATCHER", "HANDLING", "HANDLING")
    replied_now = replied if signed <= NOW_S and replied <= NOW_S else None
    out.row(
        "assignment", str(tid), lead, "LEAD", str(t["dispatches"]), "t", "f", ts(dispatched),
        ts(signed if signed <= NOW_S else None), ts(contacted), ts(replied_now), N,
        "已处理" if replied_now else "",
    )  # fmt: skip
    if co is not None:
        out.row(
            "assignment", str(tid), co, "CO", str(t["dispatches"]), "t", "f", ts(dispatched), N, N, N, N, ""
        )
    if rng.random() < 0.01:
        flagged = dispatched + 3600
        due = flagged + 2 * 86400
        resolved = flagged + 86400 if rng.random() < 0.7 else None
        if flagged <= NOW_S:
            resolved = resolved if resolved is not None and resolved <= NOW_S else None
            out.row("supervision", str(tid), "请加快办理", ts(due), ts(flagged), ts(resolved))
    if replied_now is None:
        return updated
    t["status"], stamps["replied"] = "REPLIED", replied
    _event(out, tid, replied, "REPLY", "UNIT", "HANDLING", "REPLIED", lead)
    stamps["callback_due"] = replied + 86400
    updated = replied
    attempt = 0
    at = replied + rng.randrange(7200, 93600)
    if rng.random() < 0.05 and at <= NOW_S:  # one failed try first
        attempt += 1
        out.row("callbackrecord", str(tid), str(attempt), ts(at), "f", N, N, "")
        _event(out, tid, at, "CALLBACK_ATTEMPT_FAILED", "OPERATOR", "REPLIED", "REPLIED")
        at += 86400
    if at > NOW_S:
        t["attempts"] = attempt
        return updated
    attempt += 1
    roll = rng.random()
    satisfaction = "SATISFIED" if roll < 0.92 else ("BASICALLY_SATISFIED" if roll < 0.985 else "UNSATISFIED")
    solved = "t" if rng.random() < 0.95 else "f"
    out.row("callbackrecord", str(tid), str(attempt), ts(at), "t", satisfaction, solved, "")
    t["attempts"], t["satisfaction"], t["solved"] = attempt, satisfaction, solved
    stamps["callback_done"], stamps["closed"], t["status"] = at, at, "CLOSED"
    _event(out, tid, at, "CALLBACK_SATISFIED", "OPERATOR", "REPLIED", "CLOSED")
    return at


def _call(out: _Writers, rng: random.Random, linkedid: str, joined: int) -> None:
    roll = rng.random()
    seat = str(rng.randrange(1, N_SEATS + 1))
    phone = f"139{rng.randrange(10_000_000, 99_999_999)}"
    if roll < 0.03:
        wait = round(rng.uniform(0.5, 4.9), 1)
        out.row(
            "call", linkedid, phone, "", "12345", ts(joined), N, N, ts(joined + int(wait)), str(wait), N, N,
            "SHORT_ABANDON", N, "", "", "", "NONE", "",
        )  # fmt: skip
    elif roll < 0.07:
        wait = round(rng.uniform(5, 120), 1)
        out.row(
            "call", linkedid, phone, "", "12345", ts(joined), N, N, ts(joined + int(wait)), str(wait), N, N,
            "ABANDONED", N, "", "", "", "PENDING", "",
        )  # fmt: skip
    else:
        wait = round(min(rng.expovariate(1 / 6), 90), 1)
        talk = round(rng.expovariate(1 / 180) + 20, 1)
        answered = joined + int(wait)
        out.row(
            "call", linkedid, phone, "", "12345", ts(joined), ts(answered), ts(answered),
            ts(answered + int(talk)), str(wait), "0", str(talk), "ANSWERED", seat,
            f"PJSIP/{1000 + int(seat)}", "", "", "NONE", "",
        )  # fmt: skip


# --- load ----------------------------------------------------------------------------------------


def conninfo(url: str) -> str:
    """A libpq URL from a SQLAlchemy one."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def recreate_database(admin_url: str, db: str) -> str:
    with psycopg.connect(conninfo(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db}"')
    return make_url(admin_url).set(database=db).render_as_string(hide_password=False)


def reference_rows(folder: Path) -> None:
    """Units, categories and seats, written like the generated tables."""
    with (folder / "unit.0000.tsv").open("w", encoding="utf-8") as f:
        for i in UNIT_IDS:
            kind = "DISTRICT" if i <= len(DISTRICTS) else ("UTILITY" if i % 10 == 0 else "DEPARTMENT")
            district = DISTRICTS[i - 1] if i <= len(DISTRICTS) else ""
            f.write(f"{i}\tu{i:03d}\t单位{i:03d}\t\t{kind}\t{district}\t\t\t\tt\n")
    with (folder / "category.0000.tsv").open("w", encoding="utf-8") as f:
        for i in range(1, N_CATEGORIES + 1):
            f.write(f"{i}\tc{i:02d}\t类别{i:02d}\t\t{'t' if i <= 4 else 'f'}\n")
    states = ["READY"] * 40 + ["TALKING"] * 50 + ["WRAP_UP"] * 10 + ["PAUSED"] * 10 + ["OFFLINE"] * 10
    with (folder / "seat.0000.tsv").open("w", encoding="utf-8") as f:
        for i in range(1, N_SEATS + 1):
            f.write(f"{i}\t{1000 + i}\tPJSIP/{1000 + i}\t坐席{i}\t{states[i - 1]}\t\t{ts(NOW_S - 600)}\t\n")
    # A few callers in the queue right now, for the wallboard.
    with (folder / "call.9999.tsv").open("w", encoding="utf-8") as f:
        for k in range(6):
            outcome = "RINGING" if k % 3 == 0 else "WAITING"
            f.write(
                f"live-{k}\t1370000000{k}\t\t12345\t{ts(NOW_S - 10 * k - 5)}\t{N}\t{N}\t{N}\t{N}\t{N}\t{N}"
                f"\t{outcome}\t{N}\t\t\t\tNONE\t\n"
            )


def generate(folder: Path, tickets: int, workers: int, seed: int) -> dict[str, int]:
    chunk = 50_000
    bounds = [(lo, min(lo + chunk - 1, tickets)) for lo in range(1, tickets + 1, chunk)]
    rows = dict.fromkeys(GENERATED, 0)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(generate_chunk, str(folder), i, lo, hi, tickets, seed)
            for i, (lo, hi) in enumerate(bounds)
        ]
        for future in futures:
            for table, n in future.result().items():
                rows[table] += n
    reference_rows(folder)
    rows["call"] += 6
    return rows


def secondary_indexes(conn: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    query = """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        JOIN pg_class c ON c.relname = i.indexname
        JOIN pg_index x ON x.indexrelid = c.oid
        WHERE i.schemaname = 'public' AND NOT x.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
    """
    return [(name, ddl) for name, ddl in conn.execute(query).fetchall()]


def load(url: str, folder: Path, rows: dict[str, int]) -> dict[str, tuple[int, int, float]]:
    """COPY every file in; indexes are dropped first and rebuilt after, as a restore does.

    Returns, per table, (rows, bytes, seconds spent in COPY).
    """
    stats: dict[str, tuple[int, int, float]] = {}
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        indexes = secondary_indexes(conn)
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        # The generator writes consistent ids; skip per-row foreign-key triggers during the load.
        conn.execute("SET session_replication_role = replica")
        for table in ["unit", "category", "seat", *GENERATED]:
            files = sorted(folder.glob(f"{table}.*.tsv"))
            size = sum(f.stat().st_size for f in files)
            started = time.perf_counter()
            with conn.cursor() as cur, cur.copy(f'COPY "{table}" ({COLUMNS[table]}) FROM STDIN') as copy:
                for path in files:
                    with path.open("rb") as f:
                        while block := f.read(1 << 20):
                            copy.write(block)
            stats[table] = (
                rows.get(table, sum(1 for _ in _lines(files))),
                size,
                time.perf_counter() - started,
            )
        conn.execute("SET session_replication_role = origin")
        started = time.perf_counter()
        for _, ddl in indexes:
            conn.execute(ddl)
        stats["(index build)"] = (len(indexes), 0, time.perf_counter() - started)
        for table in ("unit", "category", "seat", "ticket"):
            sequence = f"pg_get_serial_sequence('\"{table}\"', 'id')"
            conn.execute(f'SELECT setval({sequence}, (SELECT max(id) FROM "{table}"))')
        started = time.perf_counter()
        conn.execute("VACUUM (ANALYZE)")
        stats["(vacuum analyze)"] = (0, 0, time.perf_counter() - started)
    return stats


def _lines(files: list[Path]) -> Iterator[bytes]:
    for path in files:
        with path.open("rb") as f:
            yield from f


# --- timing --------------------------------------------------------------------------------------


def queries() -> dict[str, Callable[[Session], object]]:
    start, end = MONTH
    return {
        "live_snapshot (now)": lambda s: live_snapshot(s, now=NOW),
        "unit_ranking (1 month)": lambda s: unit_ranking(s, start=start, end=end),
        "breakdown by unit (1 month)": lambda s: breakdown(s, start=start, end=end, by="unit"),
        "period_metrics (1 month)": lambda s: period_metrics(s, start=start, end=end),
        "breakdown by day (1 month)": lambda s: breakdown(s, start=start, end=end, by="day"),
    }


def time_queries(url: str, repeat: int) -> dict[str, float]:
    """Median wall time in ms of each query, after one warm-up run, each in a fresh session."""
    engine = make_engine(url)
    results: dict[str, float] = {}
    try:
        for name, run in queries().items():
            samples = []
            for i in range(repeat + 1):
                with Session(engine) as session:
                    started = time.perf_counter()
                    run(session)
                    elapsed = (time.perf_counter() - started) * 1000
                if i:
                    samples.append(elapsed)
            results[name] = statistics.median(samples)
    finally:
        engine.dispose()
    return results


def table_counts(url: str) -> dict[str, int]:
    with psycopg.connect(conninfo(url)) as conn:
        return {
            t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])  # type: ignore[index]
            for t in ("ticket", "ticketevent", "assignment", "callbackrecord", "call")
        }


# --- main ----------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="an admin connection; the bench database is created beside it")  # fmt: skip
    parser.add_argument("--db", default="hotline_bench")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--reuse", action="store_true", help="skip the load; time the database as it is")
    args = parser.parse_args()
    if args.db in {"postgres", "test", "template0", "template1"}:
        parser.error(f"refusing to drop database {args.db!r}")

    url = make_url(args.url).set(database=args.db).render_as_string(hide_password=False)
    print(f"core metrics bench: PostgreSQL at {make_url(args.url).host}, database {args.db}")
    columns: dict[str, dict[str, float]] = {}
    load_stats: dict[str, tuple[int, int, float]] = {}
    if not args.reuse:
        url = recreate_database(args.url, args.db)
        engine = make_engine(url)
        SQLModel.metadata.create_all(engine)
        engine.dispose()
        columns["empty DB"] = time_queries(url, args.repeat)
        with tempfile.TemporaryDirectory(prefix="hotline_bench_") as tmp:
            folder = Path(tmp)
            started = time.perf_counter()
            rows = generate(folder, args.tickets, args.workers, args.seed)
            generated_s = time.perf_counter() - started
            print(f"generated {sum(rows.values()):,} rows in {generated_s:.1f} s ({args.workers} processes)")
            started = time.perf_counter()
            load_stats = load(url, folder, rows)
            print(f"loaded in {time.perf_counter() - started:.1f} s (COPY, index build, VACUUM ANALYZE)")
    counts = table_counts(url)
    size = f"{counts['ticket']:,} tickets"
    columns[size] = time_queries(url, args.repeat)

    print()
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    if load_stats:
        _print_copy(load_stats)
    print()
    widths = [max(len(c), 10) + 2 for c in columns]
    print(f"{'query (median of ' + str(args.repeat) + ')':<30}" + "".join(
        f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)) + f"{'target':>10}")  # fmt: skip
    last = list(columns)[-1]
    for name in queries():
        cells = "".join(f"{f'{columns[c][name]:.1f} ms':>{w}}" for c, w in zip(columns, widths, strict=True))
        verdict = "ok" if columns[last][name] <= TARGET_MS else "OVER"
        print(f"{name:<30}{cells}{f'≤ {TARGET_MS:.0f} ms':>10}  {verdict}")
    _print_figures(url)


def _print_copy(load_stats: dict[str, tuple[int, int, float]]) -> None:
    print()
    print(f"{'COPY into':<20}{'rows':>12}{'MB':>9}{'s':>8}{'rows/s':>12}{'MB/s':>8}")
    total_rows = total_bytes = 0
    total_s = 0.0
    for table, (n, size, secs) in load_stats.items():
        if table.startswith("("):
            continue
        total_rows, total_bytes, total_s = total_rows + n, total_bytes + size, total_s + secs
        mb = size / 1e6
        print(f"{table:<20}{n:>12,}{mb:>9.1f}{secs:>8.2f}{n / secs:>12,.0f}{mb / secs:>8.1f}")
    print(
        f"{'raw COPY, all':<20}{total_rows:>12,}{total_bytes / 1e6:>9.1f}{total_s:>8.2f}"
        f"{total_rows / total_s:>12,.0f}{total_bytes / 1e6 / total_s:>8.1f}"
    )
    for table in ("(index build)", "(vacuum analyze)"):
        print(f"{table:<20}{'':>12}{'':>9}{load_stats[table][2]:>8.2f}")


def _print_figures(url: str) -> None:
    """The figures themselves, to show the generated city is a plausible one."""
    engine = make_engine(url)
    with Session(engine) as session:
        month = period_metrics(session, start=MONTH[0], end=MONTH[1])
        snap = live_snapshot(session, now=NOW)
        top = unit_ranking(session, start=MONTH[0], end=MONTH[1])[:3]
    engine.dispose()
    shown = {
        "接通率": month.calls.answer_rate,
        "15 秒接通率": month.calls.service_level,
        "按时办结率": month.rates.on_time,
        "回访率": month.rates.callback,
        "满意率": month.rates.satisfaction,
        "响应率": month.rates.response,
    }
    print()
    print("October 2026: " + ", ".join(f"{k} {_pct(v.value)}" for k, v in shown.items()))
    print("top units: " + ", ".join(f"{u.rank}. {u.name} ({u.volume:,} tickets, {u.score:.3f})" for u in top))
    print(
        f"now: {snap.calls_waiting} waiting (longest {snap.longest_wait_s:.0f} s), "
        f"{sum(snap.open_by_status.values()):,} open tickets, "
        f"cards red {snap.cards.red:,} / yellow {snap.cards.yellow:,}"
    )


if __name__ == "__main__":
    main()
