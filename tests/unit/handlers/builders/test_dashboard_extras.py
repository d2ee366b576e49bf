"""The recruiter dashboard's pictures (image blocks by file id) and its 'Load this week' part."""

from __future__ import annotations

import json

from bot.services.dashboard import Chart
from bot.services.ports import SlackImage
from handlers.builders.dashboard import LOAD_LINES, dashboard_blocks
from tests.support.boards import HOSTILE, agreement_row, board, load, open_loop

AGES = SlackImage("F0AGES0001", f"Bar chart of 1 open loop: {HOSTILE}", "Open loops: days")
ALPHA = SlackImage("F0ALPHA001", "Bar chart of alpha", "Agreement")


def headers(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "header"]


def after(blocks: list[dict], title: str) -> dict:
    """The block right after a part's header."""
    n = next(i for i, b in enumerate(blocks) if b["type"] == "header" and b["text"]["text"] == title)
    return blocks[n + 1]


def test_each_chart_is_an_image_block_under_its_parts_header():
    blocks = dashboard_blocks(board(), "UTC", 100, {Chart.LOOP_AGES: AGES, Chart.AGREEMENT: ALPHA})
    ages, alpha = after(blocks, "Open loops"), after(blocks, "Agreement per competency")
    assert ages["type"] == alpha["type"] == "image"
    assert ages["slack_file"] == {"id": "F0AGES0001"} and alpha["slack_file"] == {"id": "F0ALPHA001"}
    assert "image_url" not in ages and ages["title"]["type"] == "plain_text"
    # Alt text is plain text: a typed name stays as typed (Slack parses no markup there).
    assert ages["alt_text"] == AGES.alt_text


def test_without_file_ids_there_is_no_image_block():
    blocks = dashboard_blocks(board(), "UTC", 100)
    assert [b for b in blocks if b["type"] == "image"] == []
    only_ages = dashboard_blocks(board(), "UTC", 100, {Chart.LOOP_AGES: AGES})
    assert [b["slack_file"]["id"] for b in only_ages if b["type"] == "image"] == ["F0AGES0001"]


def test_load_this_week_marks_who_is_over_their_cap_first():
    report = load(("U0OMAR0001", 2, 4), ("U0PRIYA001", 5, 4), ("U0NORA0001", 4, 4))
    blocks = dashboard_blocks(board(), "UTC", 100, load=report)
    assert "Load this week" in headers(blocks)
    text = json.dumps(blocks, ensure_ascii=False)
    assert "3 people interviewing this week; over their cap: <@U0PRIYA001>" in text
    assert "• <@U0PRIYA001>: 5 interviews of 4 · 🔴 *over their cap*" in text
    assert "• <@U0NORA0001>: 4 interviews of 4\\n" in text  # at the cap is not over it
    assert text.index("U0PRIYA001>: 5") < text.index("U0NORA0001>: 4") < text.index("U0OMAR0001>: 2")
    assert "2030-W10, Monday to Sunday in Europe/London" in text


def test_nobody_over_the_cap_is_said_and_no_report_means_no_part():
    calm = json.dumps(dashboard_blocks(board(), "UTC", 100, load=load(("U0OMAR0001", 1, 4))))
    assert "nobody is over their cap" in calm
    assert "Load this week" not in headers(dashboard_blocks(board(), "UTC", 100))


def test_hostile_text_is_escaped_in_the_load_part_and_loop_lines():
    blocks = dashboard_blocks(board([open_loop(HOSTILE)]), "UTC", 100, load=load(("U1>&<!channel>", 9, 4)))
    text = json.dumps(blocks, ensure_ascii=False)
    assert "<!channel>" not in text and "<@U0BOSS|boss>" not in text
    assert "<@U1&gt;&amp;&lt;!channel&gt;>" in text
    assert "&lt;!channel&gt; *Eve* &lt;@U0BOSS|boss&gt; &amp; co" in text


def test_a_long_load_list_is_cut_with_a_pointer_and_the_home_stays_under_the_budget():
    many = load(*((f"U{n:09d}", 5, 4) for n in range(LOAD_LINES + 7)))
    agreement = [agreement_row(f"Competency {n}") for n in range(30)]
    big = board([open_loop(f"Loop {n}", n, n) for n in range(60)], agreement)
    charts = {Chart.LOOP_AGES: AGES, Chart.AGREEMENT: ALPHA}
    whole = dashboard_blocks(big, "UTC", 100, charts, many)
    assert "7 more: `hirebot report load` lists them all" in json.dumps(whole)
    cut = dashboard_blocks(big, "UTC", len(whole) - 1, charts, many)
    assert len(cut) <= len(whole) - 1
    assert "hirebot report competencies" in json.dumps(cut)  # the part that did not fit is pointed at
    assert [b["slack_file"]["id"] for b in cut if b["type"] == "image"] == ["F0AGES0001"]
