"""The console's trace feed: filters, bounded per-viewer queues, per-path counts."""

from __future__ import annotations

import threading
import time

from local_runtime.console.feed import CLIENT_BUFFER, TraceFeed, matches


def entry(source="sqs:order-processor", function="order_processor", result="ok", ms=1.5, **ids) -> dict:
    return {"source": source, "function": function, "records": 1, "result": result, "ms": ms, **ids}


def test_a_filter_admits_only_entries_naming_that_order_and_that_correlation():
    both = entry(order_ids=["o-1", "o-2"], correlation_ids=["c-9"])
    assert matches(both)
    assert matches(both, order_id="o-2")
    assert matches(both, order_id="o-1", correlation_id="c-9")
    assert not matches(both, order_id="o-3")
    assert not matches(both, order_id="o-1", correlation_id="c-8")
    # An entry without the keys (a delivery that carried no order) passes only an empty filter.
    assert not matches(entry(), order_id="o-1")
    assert not matches(entry(), correlation_id="c-9")


def test_a_new_viewer_sees_recent_entries_that_pass_its_filter_then_live_ones():
    feed = TraceFeed()
    feed(entry(order_ids=["o-1"]))
    feed(entry(order_ids=["o-2"]))
    viewer = feed.subscribe(order_id="o-1")
    assert [e["order_ids"] for e in viewer.take(0)] == [["o-1"]]
    feed(entry(order_ids=["o-2"]))
    feed(entry(order_ids=["o-1"], result="error"))
    taken = viewer.take(0)
    assert [(e["order_ids"], e["result"]) for e in taken] == [(["o-1"], "error")]
    assert taken[0]["seq"] == 4  # numbered in the order the feed saw them


def test_a_viewer_that_never_reads_loses_its_oldest_entries_and_never_slows_a_delivery():
    feed = TraceFeed()
    stuck = [feed.subscribe() for _ in range(5)]
    started = time.perf_counter()
    for n in range(CLIENT_BUFFER * 3):
        feed(entry(ms=float(n)))
    per_delivery = (time.perf_counter() - started) / (CLIENT_BUFFER * 3)
    assert per_delivery < 0.001  # microseconds in practice; a blocking queue would hang here forever
    for viewer in stuck:
        kept = viewer.take(0)
        assert len(kept) == CLIENT_BUFFER
        assert kept[0]["ms"] == float(CLIENT_BUFFER * 2)  # the newest are kept
        assert viewer.dropped == CLIENT_BUFFER * 2


def test_a_waiting_viewer_wakes_when_an_entry_arrives():
    feed = TraceFeed()
    viewer = feed.subscribe()
    threading.Timer(0.1, feed, args=(entry(),)).start()
    started = time.monotonic()
    assert len(viewer.take(5)) == 1
    assert time.monotonic() - started < 2


def test_an_unsubscribed_viewer_gets_nothing_more():
    feed = TraceFeed()
    viewer = feed.subscribe()
    feed.unsubscribe(viewer)
    feed(entry())
    assert viewer.take(0) == []


def test_stats_count_deliveries_and_errors_per_path_with_the_last_latency():
    feed = TraceFeed()
    feed(entry(ms=10.0))
    feed(entry(result="error", ms=2.0))
    feed(entry(source="sqs:user-notification", function="user_notification", ms=3.0))
    stats = {(s["source"], s["function"]): s for s in feed.stats()}
    processor = stats[("sqs:order-processor", "order_processor")]
    assert (processor["count"], processor["errors"], processor["lastMs"], processor["lastResult"]) == (
        2,
        1,
        2.0,
        "error",
    )
    assert stats[("sqs:user-notification", "user_notification")]["count"] == 1
