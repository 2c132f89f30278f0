"""Importing from the web UI: upload, preview with a pre-filled mapping, check, import, rejected-row report."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tajriba.jobs.worker import Worker
from tests.conftest import csrf_from, login, make_user, make_workspace

CSV = (
    "رقم الطلب,تاريخ الطلب,اسم العميل,جوال العميل,البريد الإلكتروني,المدينة,حالة الطلب,طريقة الدفع,"
    "إجمالي الطلب,تكلفة الشحن,الخصم\n"
    "S-1,2026-03-01 20:15:00,منى,0501234567,,جدة,مكتمل,مدى,250.50,19,0\n"
    "S-2,2026-03-02 21:00:00,فيصل,,faisal@example.com,الرياض,مكتمل,مدى,99,0,0\n"
    "S-3,not a date,سارة,0551112222,,الدمام,ملغي,مدى,10,0,0\n"
)


def run_jobs(app) -> None:  # type: ignore[no-untyped-def]
    import tajriba.app  # noqa: F401  (registers the handlers)

    worker = Worker(app.state.session_factory, settings=app.state.settings, warehouse=app.state.warehouse)
    while worker.run_once():
        pass


def job_states(app) -> list[tuple]:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from tajriba.models import Job

    with app.state.session_factory() as s:
        return [
            (j.id, j.kind, j.status, j.attempts, j.run_after, (j.last_error or "")[-300:])
            for j in s.scalars(select(Job))
        ]


def test_upload_preview_check_and_import(app, client: TestClient, db) -> None:
    ws = make_workspace(db, "shop")
    login(client, make_user(db, workspace=ws, role="analyst"))
    token = csrf_from(client, "/w/shop/imports")
    response = client.post(
        "/w/shop/imports",
        data={"csrf_token": token, "kind": "orders", "mapping": ""},
        files={"file": ("salla orders.csv", CSV.encode("cp1256"), "text/csv")},
    )
    assert response.status_code == 303
    preview_url = response.headers["location"]
    preview = client.get(preview_url)
    assert preview.status_code == 200
    assert "cp1256" in preview.text and "منى" in preview.text
    assert re.search(r'name="col:order_id">.*?<option value="رقم الطلب" selected>', preview.text, re.S)
    form = {
        "csrf_token": token,
        "kind": "orders",
        "col:order_id": "رقم الطلب",
        "col:ordered_at": "تاريخ الطلب",
        "col:amount": "إجمالي الطلب",
        "col:customer_phone": "جوال العميل",
        "col:customer_email": "البريد الإلكتروني",
        "col:customer_name": "اسم العميل",
        "def:currency": "SAR",
        "fmt:ordered_at": "iso",
    }
    assert client.post(preview_url.split("?")[0], data={**form, "action": "check"}).status_code == 303
    run_jobs(app)
    assert app.state.warehouse.counts()["orders"] == 0
    assert client.post(preview_url.split("?")[0], data={**form, "action": "import"}).status_code == 303
    run_jobs(app)
    assert app.state.warehouse.counts()["orders"] == 2, job_states(app)
    page = client.get("/w/shop/imports").text
    statuses = re.findall(r'data-status="(\w+)"', page)
    assert statuses == ["done", "done"]
    link = re.search(r'href="(/w/shop/imports/jobs/\d+/rejected.csv)"', page)
    assert link
    report = client.get(link.group(1))
    assert report.status_code == 200 and "not a date" in report.content.decode("utf-8-sig")


def test_viewers_cannot_import_and_uploads_stay_in_their_workspace(app, client: TestClient, db) -> None:
    shop, other = make_workspace(db, "shop"), make_workspace(db, "other")
    analyst = make_user(db, workspace=shop, role="analyst")
    from tajriba.accounts import service

    service.set_role(db, workspace=other, user=analyst, role="analyst")
    db.commit()
    login(client, analyst)
    token = csrf_from(client, "/w/shop/imports")
    response = client.post(
        "/w/shop/imports",
        data={"csrf_token": token, "kind": "orders"},
        files={"file": ("o.csv", CSV.encode(), "text/csv")},
    )
    upload = response.headers["location"].split("/imports/")[1].split("?")[0]
    assert client.get(f"/w/other/imports/{upload}?kind=orders").status_code == 404
    client.cookies.clear()
    login(client, make_user(db, workspace=shop, role="viewer"))
    assert client.get("/w/shop/imports").status_code == 403
    assert client.get(f"/w/shop/imports/{upload}?kind=orders").status_code == 403


def test_a_bad_mapping_fails_the_job_once_with_the_reason(app, client: TestClient, db) -> None:
    ws = make_workspace(db, "shop")
    login(client, make_user(db, workspace=ws, role="analyst"))
    token = csrf_from(client, "/w/shop/imports")
    response = client.post(
        "/w/shop/imports",
        data={"csrf_token": token, "kind": "orders"},
        files={"file": ("o.csv", CSV.encode(), "text/csv")},
    )
    url = response.headers["location"].split("?")[0]
    form = {
        "csrf_token": token,
        "kind": "orders",
        "col:order_id": "missing column",
        "col:ordered_at": "x",
        "col:amount": "y",
        "def:currency": "SAR",
        "col:customer_email": "z",
        "action": "import",
    }
    assert client.post(url, data=form).status_code == 303
    run_jobs(app)
    page = client.get("/w/shop/imports").text
    assert 'data-status="failed"' in page and "missing column" in page
