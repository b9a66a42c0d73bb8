"""The assessment's pages: the assessor reviews the draft (points refused outside the range,
chosen within it), adds an item, issues; the department sees its items and appeals; both see
the open appeal on My work; the assessor decides; issuing again makes version 2."""
from __future__ import annotations

import html as html_lib
import re
from urllib.parse import quote

from tests.fixtures.web import csrf_token, login, page_text, version_in


def _key(html: str, text: str) -> str:
    """The key of the first item whose row holds `text` (from its review link)."""
    for row in re.findall(r"<tr id=\"item-\d+\".*?</tr>", html, re.DOTALL):
        if text in row:
            return html_lib.unescape(re.search(r"key=([^\"&]+)", row).group(1))
    raise AssertionError(f"no item with {text!r}")


def _unquoted(key: str) -> str:
    from urllib.parse import unquote

    return unquote(key)


def test_review_issue_appeal_decide_on_the_pages(app, client, make_user, month_played):
    make_user("assessor", "kaohe", department="human_resources")
    make_user("engineer", "gong", department="engineering")
    assert login(client, "kaohe").status_code == 302
    review = page_text(client.get("/assessment/2026-10"))
    assert "各部门扣分" in review and "超过办理时限" in review and "签发考核" in review
    key = _unquoted(_key(review, "工程部"))
    item_url = f"/assessment/2026-10/item?key={quote(key)}"
    item = page_text(client.get(item_url))
    assert "保存分值" in item

    refused = client.post("/assessment/2026-10/points", data={
        "csrf_token": csrf_token(item), "version": version_in(item), "key": key,
        "points": "6", "reason": "从重"})
    assert refused.status_code == 422
    assert "6 超出该项的分值范围：2 至 5。" in page_text(refused)
    assert "超出该项的分值范围。" in page_text(refused)  # at the field
    saved = client.post("/assessment/2026-10/points", data={
        "csrf_token": csrf_token(item), "version": version_in(item), "key": key,
        "points": "3", "reason": "从重"})
    assert saved.status_code == 302
    assert "分值已保存。" in page_text(client.get(saved.headers["Location"]))

    form = page_text(client.get("/assessment/2026-10/items/new"))
    added = client.post("/assessment/2026-10/items", data={
        "csrf_token": csrf_token(form), "version": version_in(form), "department": "procurement",
        "rule": "ledger_check", "points": "2", "reason": "台账不全", "evidence": "检查记录第 7 号"})
    assert added.status_code == 302, page_text(added)[:2000]
    review = page_text(client.get("/assessment/2026-10"))
    assert "考核部门增加" in review and "检查记录第 7 号" in review

    issued = client.post("/assessment/2026-10/issue", data={
        "csrf_token": csrf_token(review), "version": version_in(review)})
    assert issued.status_code == 302
    assert "2026-10 考核已签发为第 1 版。" in page_text(client.get(issued.headers["Location"]))
    # The report renders the issued version with the review in it (the added item too).
    report = client.get("/reports/monthly?month=2026-10&version=1")
    assert report.status_code == 200 and "营商环境工作台账不符合要求" in page_text(report)
    assert client.get("/reports/monthly/2026-10.xlsx?version=1").data[:2] == b"PK"
    points_csv = client.get("/reports/monthly/2026-10.csv?table=points&version=1")
    assert points_csv.status_code == 200 and "台账不全" in points_csv.get_data(as_text=True)

    department = app.test_client()
    assert login(department, "gong").status_code == 302
    ours = page_text(department.get("/assessment/2026-10/department"))
    assert "本部门考核" in ours and "申诉截止时间" in ours
    appeal_link = re.search(r'href="(/assessment/2026-10/appeal\?key=[^"]+)"', ours).group(1)
    appeal_page = page_text(department.get(html_lib.unescape(appeal_link)))
    appeal_key = re.search(r'name="key"[^>]*value="([^"]+)"', appeal_page) or \
        re.search(r'value="([^"]+)"[^>]*name="key"', appeal_page)
    empty = department.post("/assessment/2026-10/appeals", data={
        "csrf_token": csrf_token(appeal_page), "version": version_in(appeal_page),
        "key": html_lib.unescape(appeal_key.group(1)), "reason": ""})
    assert empty.status_code == 422
    filed = department.post("/assessment/2026-10/appeals", data={
        "csrf_token": csrf_token(appeal_page), "version": version_in(appeal_page),
        "key": html_lib.unescape(appeal_key.group(1)), "reason": "系统停水审批延误"})
    assert filed.status_code == 302
    assert "申诉已提交" in page_text(department.get(filed.headers["Location"]))
    assert "本部门待裁决的考核申诉" in page_text(department.get("/work"))
    assert "裁决申诉：维持或驳回，并写明理由" in page_text(client.get("/work"))

    appealed = html_lib.unescape(appeal_key.group(1))
    item = page_text(client.get(f"/assessment/2026-10/item?key={quote(appealed)}"))
    action = html_lib.unescape(re.search(r'action="(/assessment/2026-10/appeals/\d+/decision[^"]*)"',
                                         item).group(1))
    decided = client.post(action, data={"csrf_token": csrf_token(item),
                                        "version": version_in(item), "outcome": "upheld",
                                        "points": "", "reason": "审批延误属实"})
    assert decided.status_code == 302
    review = page_text(client.get("/assessment/2026-10"))
    assert "申诉后撤销" in review and "上次签发后已有改动" in review
    again = client.post("/assessment/2026-10/issue", data={
        "csrf_token": csrf_token(review), "version": version_in(review)})
    assert "第 2 版" in page_text(client.get(again.headers["Location"]))


def test_a_department_cannot_post_the_assessors_forms(app, client, make_user, month_played):
    make_user("engineer", "gong2", department="engineering")
    assert login(client, "gong2").status_code == 302
    review = page_text(client.get("/assessment/2026-10"))
    assert "签发考核" not in review
    refused = client.post("/assessment/2026-10/issue", data={"csrf_token": csrf_token(review)})
    assert refused.status_code == 403
    assert client.get("/assessment/2026-10/items/new").status_code == 403


def test_an_auditor_reads_and_cannot_post(app, client, make_user, month_played):
    make_user("auditor", "audit-a", department="inspection_office")
    assert login(client, "audit-a").status_code == 302
    review = page_text(client.get("/assessment/2026-10"))
    assert "各部门扣分" in review
    assert client.post("/assessment/2026-10/issue",
                       data={"csrf_token": csrf_token(review)}).status_code == 403


def test_the_review_names_steps_and_shows_each_share_as_its_sentence_does(
        app, client, make_user, month_played):
    """The subject column names the step as its flow does (never its code), and a split
    charge's share reads the same in the points column and in its sentence."""
    from tracker.problems.models import STAGES
    from tracker.services.flows import current_versions, definition_of

    make_user("assessor", "kaohe-names", department="human_resources")
    assert login(client, "kaohe-names").status_code == 302
    html = client.get("/assessment/2026-10").get_data(as_text=True)
    with app.app_context():
        names = {}
        for row in current_versions().values():
            for step in definition_of(row).steps:
                names[step.code] = step.name_zh
    names.update({code: zh for code, (zh, _en) in STAGES.items()})
    rows = re.findall(r"<tr id=\"item-\d+\".*?</tr>", html, re.DOTALL)
    subjects = [re.sub(r"<[^>]+>", "", re.findall(r"<td>(.*?)</td>", row, re.DOTALL)[2])
                for row in rows]
    named = [s for s in subjects if " · " in s]
    assert named, subjects
    for subject in named:
        step = html_lib.unescape(subject.split(" · ", 1)[1]).strip()
        assert step not in names, f"a step code shown: {subject}"
        assert step in names.values(), subject
    shares = 0
    for row in rows:
        share = re.search(r" × ([\d.]+%)", row)
        if share:
            shares += 1
            sentence = html_lib.unescape(re.findall(r"<td>(.*?)</td>", row, re.DOTALL)[-1])
            assert share.group(1) in sentence, (share.group(1), sentence)
    assert shares, "the month holds a split whole-application charge"
