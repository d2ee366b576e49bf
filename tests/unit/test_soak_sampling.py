"""benchmarks/soak.py's sampling and verdicts, run against this process and the test database,
so that the script cannot rot between the runs someone makes of it."""

from __future__ import annotations

import os
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from benchmarks.procs import free_port
from benchmarks.soak import ReminderFeed, Row, roster_size, verdicts
from benchmarks.soak_sampling import (
    LatestDue,
    Proc,
    background_depth,
    db_connections,
    mends,
    oldest_due_seconds,
    own_engine,
    sample_process,
)
from benchmarks.traffic import INTERVIEWS_PER_LOOP
from bot import metrics
from bot.services.mending import MendStats
from bot.services.outbox import DM_SPACING
from db.models import Candidate, Interview, Reminder, ReminderKind, ReminderStatus
from db.session import Database
from tests.support.outbox_rows import add_due, add_loop


def test_a_process_sample_sees_this_process_memory_and_a_new_thread():
    before = sample_process(os.getpid())
    release = threading.Event()
    extra = threading.Thread(target=release.wait, args=(10,))
    extra.start()
    try:
        during = sample_process(os.getpid())
    finally:
        release.set()
        extra.join()
    assert before.rss_kb > 10_000  # a Python process with SQLAlchemy loaded holds well over 10 MB
    assert during.threads == before.threads + 1


def test_connections_count_what_the_app_holds_and_not_the_script(database: Database):
    url = database.engine.url.render_as_string(hide_password=False)
    script = own_engine(url)
    database.engine.dispose()  # nothing pooled: what is counted next is what is held
    try:
        idle = db_connections(script, [os.getpid()])
        with database.engine.connect() as held:
            assert db_connections(script, [os.getpid()]) == idle + 1
            held.rollback()
        database.engine.dispose()
        assert db_connections(script, [os.getpid()]) == idle
    finally:
        script.dispose()


def test_the_oldest_due_row_is_its_age_past_due(database: Database):
    now = datetime.now(UTC)
    with database.transaction() as session:
        loop = add_loop(session, "Soak Sample", "C0SAMPLE01", "U0REC", "U0MGR")
        add_due(
            session, loop, "U0PERSON01", ReminderKind.PREP_KIT, now + timedelta(hours=1), now - timedelta(seconds=90)
        )
        add_due(session, loop, "U0PERSON02", ReminderKind.PREP_KIT, now + timedelta(hours=1), now + timedelta(hours=1))
    assert 89 <= oldest_due_seconds(database) < 150
    latest = LatestDue(database)
    latest.read()
    with database.transaction() as session:
        session.execute(update(Reminder).values(status=ReminderStatus.SENT))  # a sweep sent them
    assert 89 <= latest.take() < 150  # the age seen between samples is not lost
    assert latest.take() == 0


def test_the_background_depth_is_read_from_a_metrics_page():
    port = free_port()
    stop = metrics.serve(port, addr="127.0.0.1")
    try:
        metrics.record_background_depth(5)
        assert background_depth(f"http://127.0.0.1:{port}/metrics") == 5
    finally:
        metrics.record_background_depth(0)
        stop()


def test_the_mends_are_read_by_outcome_from_a_metrics_page():
    port = free_port()
    stop = metrics.serve(port, addr="127.0.0.1")
    try:
        before = mends(f"http://127.0.0.1:{port}/metrics").get("given_up", 0)
        metrics.record_mend(MendStats(behind=3, mended=2, given_up=1))
        after = mends(f"http://127.0.0.1:{port}/metrics")
        assert after["given_up"] == before + 1 and after["mended"] >= 2
    finally:
        stop()


def _row(at: float, rss_mb: float, threads: int, connections: int, due: float) -> Row:
    return Row(at, {"web 1": Proc(int(rss_mb * 1024), threads)}, connections, due, 0, 0)


def test_verdicts_pass_a_flat_run_and_name_each_growth():
    flat = [_row(t, 170 + t / 1000, 13, 12, 20) for t in range(0, 600, 30)]
    assert all(line.endswith("met") for line in verdicts(flat, warm_up=120))
    leaking = [_row(t, 170 + t / 30, 13 + t // 100, 12 + t // 100, 20 if t < 500 else 75) for t in range(0, 600, 30)]
    missed = [line.split()[0] for line in verdicts(leaking, warm_up=120) if line.endswith("MISSED")]
    assert missed == ["memory", "threads", "db", "oldest"]
    assert verdicts(flat[:2], warm_up=120) == ["too short: no sample after the warm-up to compare with"]


def test_the_soak_reminds_a_roster_of_a_steady_size_on_loops_opened_at_the_start(database: Database):
    feed = ReminderFeed(database, people=20, starts_at=datetime.now(UTC) + timedelta(days=1))
    with database.transaction() as session:
        opened = set(session.scalars(select(Candidate.id)).all())
        interviews = session.scalar(select(func.count()).select_from(Interview))
    now = datetime.now(UTC)
    for _ in range(11):
        feed.add(database, 4, now)  # 44 reminders: round the roster twice and 4 more
    with database.transaction() as session:
        sizes = dict(
            session.execute(select(Interview.candidate_id, func.count()).group_by(Interview.candidate_id)).all()
        )
        reminded = Counter(session.scalars(select(Reminder.target_user_id)).all())
        assert set(session.scalars(select(Candidate.id)).all()) == opened  # no loop opened during the run
        assert session.scalar(select(func.count()).select_from(Interview)) == interviews == 20  # nor interviews
    assert sorted(sizes.values()) == [INTERVIEWS_PER_LOOP] * (20 // INTERVIEWS_PER_LOOP)
    assert len(reminded) == 20 and sorted(reminded.values()) == [2] * 16 + [3] * 4  # in turn, none skipped


def test_the_roster_comes_round_only_after_the_dm_spacing():
    for every, batch in ((10.0, 4), (5.0, 8), (30.0, 1)):
        people = roster_size(every, batch)
        assert people % INTERVIEWS_PER_LOOP == 0
        assert people / batch * every > DM_SPACING.total_seconds()  # seconds before someone's next turn
    assert roster_size(10.0, 4) == 400
