"""The console in a real browser: Debian's Chromium driven by Playwright.

Never Playwright's own browser download: the Makefile installs Debian's chromium before `make test`.
"""

from __future__ import annotations

import io
import os
import uuid
from statistics import pvariance

import pytest
from PIL import Image
from playwright.sync_api import expect, sync_playwright

from tests.integration.console_helpers import new_order, send_poison
from tests.integration.stack import PROJECT_DIR, RunningStack, payment_for

pytestmark = pytest.mark.stack

CHROMIUM = "/usr/bin/chromium"
HEADLESS_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
# The README's picture; `UPDATE_SCREENSHOT=1 make test` redraws it, a plain run leaves the tree clean.
SCREENSHOT = PROJECT_DIR / "docs" / "console.png"
PATH_TO_CONSUMERS = [
    "pipe:orders-events->bus:orders",
    "bus:orders->rule:order-created",
    "rule:order-created->topic:order-created",
    "topic:order-created->queue:order-processor",
    "topic:order-created->queue:user-notification",
    "queue:order-processor->fn:order_processor",
    "queue:user-notification->fn:user_notification",
]


@pytest.fixture(scope="module")
def stack():
    running = RunningStack({"LOCAL_QUEUE_VISIBILITY_TIMEOUT": "1"})
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


@pytest.fixture
def page(stack, tmp_path):
    with sync_playwright() as playwright:
        # A new, empty profile per run (Playwright takes it as user_data_dir, not as a flag).
        browser = playwright.chromium.launch_persistent_context(
            tmp_path / "profile",
            executable_path=CHROMIUM,
            headless=True,
            args=HEADLESS_FLAGS,
            viewport={"width": 1600, "height": 1000},
        )
        try:
            page = browser.new_page()
            page.goto(f"{stack.api}/_console")
            expect(page.locator("#status")).to_have_text("live", timeout=15_000)
            yield page
        finally:
            browser.close()


def edge(page, edge_id: str) -> dict:
    return page.evaluate(
        "id => { const e = window.consoleGraph.getElementById(id);"
        " return {lit: e.hasClass('lit'), count: e.data('count') || 0, label: e.data('label')}; }",
        edge_id,
    )


def test_the_console_shows_an_order_reach_both_consumers_and_redrives_a_poison_message(stack, page, tmp_path):
    # The graph is drawn from the declaration, nothing lit before any delivery.
    assert page.evaluate("window.consoleGraph.nodes().length") > 25
    assert not edge(page, "queue:order-processor->fn:order_processor")["lit"]

    order = new_order(stack, sku="BROWSER-1")
    for edge_id in PATH_TO_CONSUMERS:
        page.wait_for_function(
            "id => window.consoleGraph.getElementById(id).hasClass('lit')", arg=edge_id, timeout=20_000
        )
    for consumer in ("order_processor", "user_notification"):
        lit = edge(page, f"queue:{consumer.replace('_', '-')}->fn:{consumer}")
        assert lit["count"] >= 1 and " ms" in lit["label"]
        expect(page.locator(f'#trace-rows tr[data-function="{consumer}"]').first).to_be_visible()

    # The trace filter: an id no delivery names empties the list; no filter brings it back.
    page.fill("#trace-filter [name=orderId]", f"no-such-{uuid.uuid4().hex}")
    page.click("#trace-filter button")
    expect(page.locator("#trace-rows tr")).to_have_count(0)
    page.fill("#trace-filter [name=orderId]", "")
    page.click("#trace-filter button")
    expect(page.locator('#trace-rows tr[data-function="order_processor"]').first).to_be_visible()

    # A poison message dead-letters after the queue's maxReceiveCount receives.
    send_poison(stack)
    dlq_row = page.locator('#queue-rows tr[data-queue="order-processor-dlq"]')
    expect(dlq_row.locator(".depth")).not_to_have_text("0", timeout=30_000)
    dlq_row.locator('button[data-action="messages"]').click()
    letter = page.locator("#dlq .message").filter(has_text="poison")
    expect(letter).to_contain_text("sqs:order-processor")
    expect(letter).to_contain_text("maxReceiveCount")
    failed = page.locator('#trace-rows tr[data-function="order_processor"]:not([data-result="ok"])')
    failures_before = failed.count()
    page.locator('#dlq button[data-action="redrive"]').click()
    expect(page.locator('#dlq [data-redrive="order-processor-dlq"]')).to_contain_text("to queue:order-processor")
    # It left the DLQ (it is poison: after three more receives it will be back).
    expect(dlq_row.locator(".depth")).to_have_text("0", timeout=3_000)
    # Back in its queue, the consumer gets it again: a new failed delivery in the trace.
    expect(failed).not_to_have_count(failures_before, timeout=15_000)

    # A payment's workflow with its state path, and a schedule fired from its button.
    payment = payment_for(order)
    assert stack.post("/payments", payment).status_code == 202
    expect(page.locator("#execution-rows tr").filter(has_text="SUCCEEDED").first).to_be_visible(timeout=30_000)
    page.click('button[data-action="fire"][data-function="daily_report"]')
    expect(page.locator("#schedule-result")).to_contain_text("daily_report: ok")

    png = page.screenshot(
        path=SCREENSHOT if os.environ.get("UPDATE_SCREENSHOT") == "1" else tmp_path / "console.png", full_page=True
    )
    pixels = Image.open(io.BytesIO(png)).convert("L")
    assert pixels.size[0] >= 1600
    # A blank (or single-colour) page has no variance; the drawn console has plenty.
    assert pvariance(list(pixels.getdata())) > 100
