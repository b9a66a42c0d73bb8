"""The meter entry (水表出库录入) reaches both stock keepers (issue 13; 003 五（六）3 "采购中心、
水表检定站需确保各种规格材料（水表）及时领用，且出库材料（水表）需次日（含）前录入系统"): while it
waits, it is on the My work of the procurement centre and of the meter verification station
(and counted in both departments' figures); the one whose staff starts it (issues the meter)
has it from then on, clock and list; nobody else's staff may take it."""
from __future__ import annotations

import re

from tests.fixtures.app import local
from tests.fixtures.web import page_text

STEP = "meter_stock_entry"


def _meter_entries(client) -> list[dict]:
    return [d for d in client.get("/api/v1/me/work")["items"]
            if d["url"].endswith(f"#step-{STEP}")]


def _open_duties(page: str, department: str) -> str:
    row = page.split(f'id="dept-{department}"', 1)[1].split("</tr>", 1)[0]
    return re.sub(r"<[^>]+>", "", re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)[0]).strip()


def test_the_meter_entry_waits_for_either_stock_keeper_until_one_takes_it(
        api, api_as, client, web_login, frozen, duties_separated):
    frozen(local(2026, 10, 12, 9, 0), tick=True)
    number = api.create("201")["number"]
    api.step(number, "survey")  # the connection team; the meter entry may start now
    procurement = api_as("clerk", "cg1", department="procurement")
    station = api_as("clerk", "jd1", department="meter_station")
    engineering = api_as("engineer", "gc1", department="engineering")
    for keeper in (procurement, station):
        [entry] = _meter_entries(keeper)
        assert entry["number"] == number and entry["sla"] is None  # no clock before the issue
        assert entry["next_action"].startswith("开始")
    assert not _meter_entries(engineering)
    web_login("team_lead", "lead1")
    figures = page_text(client.get("/dashboard"))
    assert _open_duties(figures, "procurement") == "1"
    assert _open_duties(figures, "meter_station") == "1"

    engineering.step(number, STEP, "start", status=403)
    station.step(number, STEP, "start")  # the station issues the meter

    assert not _meter_entries(procurement)
    [entry] = _meter_entries(station)
    assert entry["department"] == "meter_station" and entry["sla"]["state"] == "on_track"
    procurement.step(number, STEP, "complete", status=403)  # the station's now
    figures = page_text(client.get("/dashboard"))
    assert _open_duties(figures, "procurement") == "0"
    assert _open_duties(figures, "meter_station") == "1"
    station.step(number, STEP, "complete")
    assert not _meter_entries(station)
