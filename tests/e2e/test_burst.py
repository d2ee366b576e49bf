"""The 09:30 burst benchmark's machinery at 60 DMs: seeded loops, the real scheduler job and
dispatcher, the real gateway over HTTP to the fake Slack with chat.postMessage's limits. It
must complete, with every due chaser delivered once, and nobody DMed twice within 15 minutes.
Correctness only: the timings are the benchmark's to print (benchmarks/burst.py)."""

from __future__ import annotations

from benchmarks.burst import run
from db.session import Database

SCALE = 0.15  # 60 interviewers, 900 chasers, 1,500 loops


def test_the_burst_delivers_every_chaser_once_and_keeps_the_spacing(database: Database):
    url = database.engine.url.render_as_string(hide_password=False)
    # Two workers on separate engines; a ceiling of 1,200 a minute keeps the test quick.
    result = run(url, workers=2, scale=SCALE, sample_every=1.0, per_minute=1200)
    assert [z.dms for z in result.zones] == [20, 20, 20]
    assert all(z.took is not None for z in result.zones), "a zone's DMs did not all go out"
    assert [(z.lost, z.duplicated) for z in result.zones] == [(0, 0)] * 3
    assert result.spacing == 0
    assert result.past_lease == 0
    assert all(z.samples for z in result.zones)
