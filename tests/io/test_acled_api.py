"""ACLED API client against a local server that answers like the documented API."""

from __future__ import annotations

import csv
import socket
import time

import pandas as pd
import pytest

from sahelgis.errors import Cancelled
from sahelgis.io.acled import read_acled
from sahelgis.io.acled_api import (
    AcledApiError,
    AcledClient,
    AcledOffline,
    EventQuery,
    max_timestamp,
)
from sahelgis.progress import TaskProgress
from tests.acled_server import (
    BASE_TIMESTAMP,
    EMAIL,
    PASSWORD,
    FakeAcled,
    fake_acled,
    synthetic_rows,
)


def client(api: FakeAcled, **kwargs: object) -> AcledClient:
    options: dict = {"base_url": api.url, "timeout": 2.0, "page_limit": 10}
    options.update(kwargs)
    return AcledClient(
        str(options.pop("email", EMAIL)),
        str(options.pop("password", PASSWORD)),
        **options,
    )


def test_pages_are_read_until_a_short_one_and_parsed_like_a_csv(tmp_path):
    rows = synthetic_rows(25)
    with fake_acled(FakeAcled(events=rows)) as api:
        fetched = client(api).fetch_events(
            EventQuery(("Mali",), "2023-01-01", "2024-12-31")
        )
    assert fetched.pages == 3
    assert fetched.rows == 25
    token_form = api.requests[0][2]
    assert token_form["grant_type"] == "password"
    assert token_form["client_id"] == "acled"
    assert token_form["username"] == EMAIL
    reads = [r[2] for r in api.requests if r[1] == "/api/acled/read"]
    assert [r["page"] for r in reads] == ["1", "2", "3"]
    assert {r["limit"] for r in reads} == {"10"}
    assert reads[0]["event_date"] == "2023-01-01|2024-12-31"
    assert reads[0]["event_date_where"] == "BETWEEN"
    assert reads[0]["country"] == "Mali"
    # the same rows as a CSV export give the very same table
    path = tmp_path / "same.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda r: r["event_id_cnty"]))
    table, _ = read_acled(path)
    assert fetched.table is not None
    pd.testing.assert_frame_equal(fetched.table.frame, table.frame)
    assert fetched.table.synthetic  # the rows say SYNTHETIC, as ours always do


def test_timestamp_filter_asks_only_for_changes():
    rows = synthetic_rows(12)
    with fake_acled(FakeAcled(events=rows)) as api:
        since = BASE_TIMESTAMP + 8
        fetched = client(api).fetch_events(EventQuery(("Mali",), since=since))
    read = next(r[2] for r in api.requests if r[1] == "/api/acled/read")
    assert read["timestamp"] == str(since)
    assert read["timestamp_where"] == ">="
    assert fetched.rows == 4
    assert max_timestamp(fetched.table) == BASE_TIMESTAMP + 11


def test_deletions_since_a_timestamp():
    deleted = [
        {"event_id_cnty": "SYN00001", "deleted_timestamp": BASE_TIMESTAMP + 5},
        {"event_id_cnty": "SYN00002", "deleted_timestamp": str(BASE_TIMESTAMP + 50)},
    ]
    with fake_acled(FakeAcled(events=synthetic_rows(3), deleted=deleted)) as api:
        found = client(api).fetch_deletions(BASE_TIMESTAMP + 10)
    assert [(d.event_id_cnty, d.seconds) for d in found] == [
        ("SYN00002", BASE_TIMESTAMP + 50)
    ]
    read = next(r[2] for r in api.requests if r[1] == "/api/deleted/read")
    assert read["deleted_timestamp_where"] == ">="


def test_wrong_password_is_one_line():
    with fake_acled() as api, pytest.raises(AcledApiError) as info:
        client(api, password="wrong").sign_in()
    assert str(info.value) == (
        "ACLED sign-in refused (401): check the e-mail and password"
    )


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (429, "rate limit was reached (429) (retry after 30 s)"),
        (500, "failed (500)"),
        (503, "failed (503)"),
    ],
)
def test_server_errors_name_the_page_and_the_status(status, words):
    with fake_acled(FakeAcled(events=synthetic_rows(3))) as api:
        api.fail["/api/acled/read"] = status
        with pytest.raises(AcledApiError) as info:
            client(api).fetch_events(EventQuery(("Mali",)))
    assert str(info.value).startswith("page 1: ACLED")
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_a_server_that_never_answers_times_out_within_the_limit():
    with fake_acled(FakeAcled(events=synthetic_rows(3))) as api:
        api.fail["/api/acled/read"] = "hang"
        began = time.monotonic()
        with pytest.raises(AcledApiError, match="did not answer in time"):
            client(api, timeout=0.3).fetch_events(EventQuery(("Mali",)))
        assert time.monotonic() - began < 1.5


def test_the_overall_limit_stops_a_slow_sign_in():
    with fake_acled() as api:
        api.fail["/oauth/token"] = "hang"
        began = time.monotonic()
        with pytest.raises(AcledApiError, match=r"sign-in: .*0\.2 s in all"):
            client(api, timeout=5, total_timeout=0.2).sign_in()
        assert time.monotonic() - began < 1.5


def test_malformed_json_is_one_line():
    with fake_acled(FakeAcled(events=synthetic_rows(3))) as api:
        api.fail["/api/acled/read:mode"] = "bad-json"
        with pytest.raises(AcledApiError, match=r"^page 1: ACLED's reply is not JSON"):
            client(api).fetch_events(EventQuery(("Mali",)))


def test_wrong_types_name_the_row_and_field():
    with fake_acled(FakeAcled(events=synthetic_rows(3))) as api:
        api.fail["/api/acled/read:mode"] = "wrong-types"
        with pytest.raises(AcledApiError, match=r"^page 1: row 1: field tags: "):
            client(api).fetch_events(EventQuery(("Mali",)))


def test_endless_pages_are_capped():
    with fake_acled(FakeAcled(events=synthetic_rows(1))) as api:
        api.fail["/api/acled/read:mode"] = "endless"
        with pytest.raises(AcledApiError, match="more than 5 pages"):
            client(api, max_pages=5).fetch_events(EventQuery(("Mali",)))


def test_no_network_says_so_in_one_line():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    c = AcledClient(EMAIL, PASSWORD, base_url=f"http://127.0.0.1:{port}", timeout=1)
    with pytest.raises(AcledOffline) as info:
        c.sign_in()
    assert str(info.value).startswith("no network: could not reach 127.0.0.1 (")
    assert str(info.value).endswith("— the project is unchanged")


def test_cancel_stops_before_the_next_request():
    progress = TaskProgress()
    with fake_acled(FakeAcled(events=synthetic_rows(30))) as api:
        progress.callbacks.append(
            lambda fraction, text: progress.cancel() if "page 2" in text else None
        )
        with pytest.raises(Cancelled):
            client(api, progress=progress).fetch_events(EventQuery(("Mali",)))
    assert [r[2].get("page") for r in api.requests if r[0] == "GET"] == ["1"]


def test_a_bad_row_is_reported_by_page_and_row_and_left_out():
    rows = synthetic_rows(15)
    rows[12]["event_date"] = "2024-02-31"  # page 2, row 3
    with fake_acled(FakeAcled(events=rows)) as api:
        fetched = client(api).fetch_events(EventQuery(("Mali",)))
    assert fetched.table is not None
    assert len(fetched.table) == 14
    assert len(fetched.rejected) == 1
    assert fetched.rejected[0].startswith(
        "page 2: row 3: field event_date '2024-02-31'"
    )


def test_an_expired_token_is_refreshed_once():
    with fake_acled(FakeAcled(events=synthetic_rows(3))) as api:
        c = client(api)
        c.sign_in()
        api.tokens.clear()  # the server forgot the token: 401, then refresh
        fetched = c.fetch_events(EventQuery(("Mali",)))
    assert fetched.rows == 3
    grants = [r[2]["grant_type"] for r in api.requests if r[0] == "POST"]
    assert grants == ["password", "refresh_token"]


def test_a_url_that_is_not_http_is_refused():
    with pytest.raises(AcledApiError, match="is not an http"):
        AcledClient(EMAIL, PASSWORD, base_url="file:///etc/passwd")


def test_a_reply_over_the_size_cap_is_not_read(monkeypatch):
    monkeypatch.setattr("sahelgis.io.acled_api.MAX_REPLY_BYTES", 2_000)
    too_big = pytest.raises(AcledApiError, match=r"^page 1: ACLED's reply is .* MB")
    with fake_acled(FakeAcled(events=synthetic_rows(25))) as api, too_big:
        client(api).fetch_events(EventQuery(("Mali",)))


def test_deeply_nested_json_is_one_line():
    with fake_acled(FakeAcled(events=synthetic_rows(3))) as api:
        api.fail["/api/acled/read:mode"] = "deep-json"
        with pytest.raises(AcledApiError, match=r"^page 1: ACLED's reply is not JSON"):
            client(api).fetch_events(EventQuery(("Mali",)))
