"""Files built to exhaust the server, uploaded to a live `tajriba serve`: refused with a message naming the
limit, the server's peak memory grows by less than 200 MB, nothing is left in the upload folder, and the
JSON API refuses a body over its limit before reading it."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openpyxl import Workbook

from tajriba.accounts import service as accounts
from tests.conftest import PASSWORD
from tests.live import serving, stores

MB = 1 << 20


def _peak_rss(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), in bytes."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    assert match, status
    return int(match.group(1)) * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen, Path, str]]:
    data = tmp_path_factory.mktemp("hostile") / "data"
    with stores(data) as s:
        ws = accounts.create_workspace(s, slug="shop", name="Shop")
        user = accounts.create_user(s, email="importer@example.com", name="Importer", password=PASSWORD)
        accounts.set_role(s, workspace=ws, user=user, role="analyst")
        key = accounts.create_key(s, workspace=ws, kind="api", name="bi", role="analyst")[1]
    with serving(data, env={"TAJRIBA_API_MAX_BODY_BYTES": str(MB)}) as live:
        yield live.url, live.proc, data, key


def _browser(url: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=url, timeout=120, follow_redirects=False, cookies={"tajriba_locale": "en"})
    csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/login").text)
    assert csrf
    r = client.post(
        "/login", data={"email": "importer@example.com", "password": PASSWORD, "csrf_token": csrf.group(1)}
    )
    assert r.status_code == 303, r.text
    page = client.get("/w/shop/imports")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert token
    return client, token.group(1)


def _upload(url: str, name: str, content: bytes) -> httpx.Response:
    client, token = _browser(url)
    try:
        return client.post(
            "/w/shop/imports", data={"kind": "orders", "csrf_token": token}, files={"file": (name, content)}
        )
    finally:
        client.close()


def _wide_csv(columns: int) -> bytes:
    header = ",".join(f"c{i}" for i in range(columns))
    return (header + "\n" + ",".join("1" for _ in range(columns)) + "\n").encode()


def _zip_bomb_xlsx(unpacked: int) -> bytes:
    """A real workbook whose sheet is padded with `unpacked` bytes of repeated rows (compresses ~1000:1)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["order_id", "amount"])
    base = io.BytesIO()
    book.save(base)
    out = io.BytesIO()
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with dst.open(item.filename, "w", force_zip64=True) as handle:
                    handle.write(
                        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main"><sheetData>'
                    )
                    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 20_000
                    for _ in range(unpacked // len(row)):
                        handle.write(row)
                    handle.write(b"</sheetData></worksheet>")
            else:
                dst.writestr(item, src.read(item.filename))
    return out.getvalue()


def _wide_xlsx() -> bytes:
    """A workbook whose header row runs to column XFD (16,384 columns), the widest Excel allows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([f"c{i}" for i in range(16_384)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("wide.csv", lambda: _wide_csv(1_000_000), "at most 1000 columns"),
        ("bomb.xlsx", lambda: _zip_bomb_xlsx(300 * MB), "zip bomb"),
        ("wide.xlsx", _wide_xlsx, "more than 1000 columns"),
    ],
)
def test_hostile_uploads_are_refused_in_bounded_memory(server, name, make, message) -> None:  # type: ignore[no-untyped-def]
    url, proc, data, _key = server
    content = make()
    _upload(url, "warm.csv", b"order_id,amount\nA-1,10\n")  # the import page and readers are loaded
    before = _peak_rss(proc.pid)
    response = _upload(url, name, content)
    after = _peak_rss(proc.pid)
    assert response.status_code == 422, response.text[:500]
    assert message in response.text, re.sub(r"\s+", " ", response.text)[-800:]
    print(f"{name}: {len(content) / MB:.1f} MB file, peak memory +{(after - before) / MB:.1f} MB")
    assert after - before < 200 * MB, f"peak memory grew by {(after - before) / MB:.0f} MB on {name}"
    left = [p.name for p in (data / "uploads").rglob("*") if p.is_file() and name.split(".")[0] in p.name]
    assert left == [], f"a refused upload was kept: {left}"
    assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200


def test_an_upload_over_the_quota_is_refused_and_leaves_nothing(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, _proc, data, _key = server
    assert _upload(url, "first.csv", b"order_id,amount\nA-1,10\n").status_code == 303
    ws_folder = next((p for p in (data / "uploads").iterdir() if p.is_dir()), None)
    assert ws_folder is not None
    filler = ws_folder / "zzzzzzzzzzzzzzzzzzzzzzzz__filler.csv"
    with filler.open("wb") as handle:  # a sparse file: the quota counts its size, the disk holds nothing
        handle.truncate(5 << 30)
    try:
        response = _upload(url, "more.csv", b"order_id,amount\nA-2,20\n")
        assert response.status_code == 422
        assert "import or remove them first" in response.text
        assert not [p for p in ws_folder.iterdir() if p.name.endswith("__more.csv")]
    finally:
        filler.unlink()


def test_api_bodies_over_the_limit_are_refused_before_they_are_read(server) -> None:  # type: ignore[no-untyped-def]
    url, proc, _data, key = server
    headers = {"Authorization": f"Bearer {key}", "content-type": "application/json"}
    big = b'{"name": "' + b"x" * (3 * MB) + b'"}'
    r = httpx.post(f"{url}/api/v1/journeys", headers=headers, content=big, timeout=60)
    assert r.status_code == 413, r.text[:300]
    assert r.json()["error"]["code"] == "too_large" and "1048576" in r.json()["error"]["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it streams
        yield b'{"name": "'
        for _ in range(40):
            yield b"y" * (256 * 1024)
        yield b'"}'

    r = httpx.post(f"{url}/api/v1/journeys", headers=headers, content=chunks(), timeout=60)
    assert r.status_code == 413, r.text[:300]
    assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200
