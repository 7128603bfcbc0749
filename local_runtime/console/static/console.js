// The console page: the topology graph (cytoscape.js), the live trace (Server-Sent Events) and the AWS views.
"use strict";

const API = "/_console/api";
const COLORS = {
  table: "#0ea5e9", stream: "#38bdf8", pipe: "#a78bfa", bus: "#f472b6", archive: "#94a3b8", rule: "#fb923c",
  topic: "#facc15", queue: "#4ade80", dlq: "#f87171", function: "#60a5fa", "state-machine": "#c084fc",
  schedule: "#2dd4bf", undeclared: "#ef4444",
};

async function call(path, options = {}) {
  const response = await fetch(API + path, {
    headers: { "Content-Type": "application/json" }, ...options,
  });
  const body = await response.json();
  if (!response.ok) {
    const error = new Error(body.error ? `${body.error.code}: ${body.error.message}` : response.statusText);
    error.body = body;
    throw error;
  }
  return body;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}

// ---- topology -------------------------------------------------------------------------------

let cy;
let edgesByDelivery = [];   // [{edge, source, function}] from each edge's litBy

function litBy(match, entry) {
  // A source ending in "/" stands for every source under it; "*" for any function.
  const source = match.source.endsWith("/") ? entry.source.startsWith(match.source) : entry.source === match.source;
  return source && (match.function === "*" || match.function === entry.function);
}

async function drawGraph() {
  const topology = await call("/topology");
  const incoming = new Set(topology.edges.map((e) => e.target));
  cy = cytoscape({
    container: document.getElementById("graph"),
    elements: [
      ...topology.nodes.map((n) => ({ data: { ...n, color: COLORS[n.kind] || "#e2e8f0" } })),
      ...topology.edges.map((e) => ({ data: { ...e, label: "" }, classes: e.kind })),
    ],
    layout: {
      name: "breadthfirst", directed: true, spacingFactor: 0.95, padding: 12,
      roots: topology.nodes.filter((n) => !incoming.has(n.id)).map((n) => n.id),
    },
    style: [
      { selector: "node", style: {
        "background-color": "data(color)", label: "data(label)", color: "#e2e8f0", "font-size": 10,
        "text-valign": "bottom", "text-margin-y": 3, width: 18, height: 18,
        "text-background-color": "#0b1220", "text-background-opacity": 0.7, "text-background-padding": 1 } },
      { selector: "node[kind = 'function']", style: { shape: "round-rectangle", width: 26 } },
      { selector: "node[kind = 'rule']", style: { shape: "diamond" } },
      { selector: "node[kind = 'bus']", style: { shape: "hexagon", width: 26, height: 26 } },
      { selector: "edge", style: {
        width: 1.5, "line-color": "#475569", "target-arrow-color": "#475569", "target-arrow-shape": "triangle",
        "curve-style": "bezier", label: "data(label)", "font-size": 9, color: "#fde68a",
        "text-background-color": "#0b1220", "text-background-opacity": 0.85, "text-background-padding": 1 } },
      { selector: "edge.dead-letter", style: { "line-style": "dashed", "line-color": "#7f1d1d", "target-arrow-color": "#7f1d1d" } },
      { selector: "edge.lit", style: { width: 3, "line-color": "#22c55e", "target-arrow-color": "#22c55e" } },
      { selector: "edge.lit.failing", style: { "line-color": "#ef4444", "target-arrow-color": "#ef4444" } },
      { selector: "edge.flash", style: { width: 6, "line-color": "#bbf7d0", "target-arrow-color": "#bbf7d0" } },
      { selector: "edge.on-path", style: { width: 5, "line-color": "#38bdf8", "target-arrow-color": "#38bdf8" } },
    ],
  });
  edgesByDelivery = topology.edges.flatMap((e) => e.litBy.map((m) => ({ edge: e.id, ...m })));
  cy.on("tap", "node, edge", (event) => {
    const data = event.target.data();
    const shown = { ...data }; delete shown.color; delete shown.litBy; delete shown.label;
    document.getElementById("selection").textContent = JSON.stringify(shown, null, 1);
  });
  window.consoleGraph = cy;
}

function edgesFor(entry) {
  return [...new Set(edgesByDelivery.filter((m) => litBy(m, entry)).map((m) => m.edge))];
}

async function refreshStats() {
  const { edges: stats } = await call("/stats");
  const perEdge = new Map();
  for (const stat of stats) {
    for (const id of edgesFor(stat)) {
      const sum = perEdge.get(id) || { count: 0, errors: 0, lastAt: 0 };
      sum.count += stat.count; sum.errors += stat.errors;
      if (stat.lastAt >= sum.lastAt) Object.assign(sum, { lastAt: stat.lastAt, lastMs: stat.lastMs, lastResult: stat.lastResult });
      perEdge.set(id, sum);
    }
  }
  for (const [id, sum] of perEdge) {
    const edge = cy.getElementById(id);
    edge.data({ label: `${sum.count} · ${sum.lastMs.toFixed(1)} ms`, count: sum.count, lastMs: sum.lastMs, errors: sum.errors });
    edge.addClass("lit");
    edge.toggleClass("failing", sum.lastResult === "error" || sum.lastResult === "failed");
  }
}

let statsTimer = null;
function scheduleStats() {
  // Many deliveries arrive together: one refresh per burst.
  if (!statsTimer) statsTimer = setTimeout(() => { statsTimer = null; refreshStats(); }, 250);
}

// ---- live trace -----------------------------------------------------------------------------

let stream;
let filtering = false;

function openTrace(filter = {}) {
  if (stream) stream.close();
  document.getElementById("trace-rows").replaceChildren();
  cy && cy.edges().removeClass("on-path");
  const query = new URLSearchParams(Object.entries(filter).filter(([, v]) => v)).toString();
  filtering = query !== "";
  stream = new EventSource(`${API}/trace${query ? "?" + query : ""}`);
  const status = document.getElementById("status");
  stream.onopen = () => { status.textContent = "live"; status.className = "status live"; };
  stream.onerror = () => { status.textContent = "reconnecting…"; status.className = "status"; };
  stream.onmessage = (message) => showDelivery(JSON.parse(message.data));
  stream.addEventListener("dropped", (message) => {
    status.textContent = `live (this view missed ${message.data} deliveries)`;
  });
}

function showDelivery(entry) {
  const rows = document.getElementById("trace-rows");
  const time = new Date(entry.at * 1000).toLocaleTimeString();
  rows.prepend(el("tr", { class: entry.result, "data-result": entry.result, "data-source": entry.source, "data-function": entry.function },
    el("td", {}, time), el("td", {}, entry.source), el("td", {}, entry.function), el("td", {}, entry.records),
    el("td", {}, entry.result), el("td", {}, entry.ms.toFixed(1))));
  while (rows.children.length > 500) rows.lastChild.remove();
  for (const id of edgesFor(entry)) {
    const edge = cy.getElementById(id);
    if (filtering) edge.addClass("on-path");
    edge.addClass("flash");
    setTimeout(() => edge.removeClass("flash"), 600);
  }
  scheduleStats();
}

document.getElementById("trace-filter").addEventListener("submit", (event) => {
  event.preventDefault();
  openTrace(Object.fromEntries(new FormData(event.target)));
});

// ---- queues and dead letters ----------------------------------------------------------------

async function refreshQueues() {
  const { queues } = await call("/queues");
  const rows = queues.map((q) => el("tr", { "data-queue": q.name, class: q.deadLetter ? "dead" : "" },
    el("td", {}, q.name), el("td", { class: "depth" }, q.depth), el("td", {}, q.inFlight),
    el("td", {}, q.deadLetter ? el("button", { class: "secondary", "data-action": "messages", onclick: () => showDlq(q) }, "messages") : "")));
  document.getElementById("queue-rows").replaceChildren(...rows);
}

async function showDlq(queue) {
  const box = document.getElementById("dlq");
  const { messages } = await call(`/queues/${queue.name}/messages`);
  const redrive = queue.redrive
    ? el("button", { "data-action": "redrive", onclick: () => redriveQueue(queue) }, `redrive to ${queue.redrive}`)
    : el("em", {}, "not redrivable: its messages are failure records");
  box.replaceChildren(
    el("div", {}, el("strong", {}, `${queue.name}`), ` · ${messages.length} waiting (from ${queue.from || "?"}) `, redrive),
    ...messages.map((m) => el("div", { class: "message", "data-message-id": m.messageId },
      `${m.source}\n${m.reason}\nreceived ${m.receiveCount}× · ${m.body.slice(0, 160)}`)));
}

async function redriveQueue(queue) {
  const box = document.getElementById("dlq");
  try {
    const result = await call(`/queues/${queue.name}/redrive`, { method: "POST" });
    box.append(el("div", { class: "result", "data-redrive": queue.name }, `moved ${result.moved} message(s) to ${result.to}`));
  } catch (error) {
    box.append(el("div", { class: "result" }, error.message));
  }
  refreshQueues();
}

// ---- workflows, archive, schedules ----------------------------------------------------------

async function refreshExecutions() {
  const { executions } = await call("/executions");
  document.getElementById("execution-rows").replaceChildren(...executions.map((x) =>
    el("tr", {}, el("td", {}, x.name), el("td", {}, x.status),
      el("td", { class: "path" }, ...x.path.map((p) => el("span", { class: p.outcome }, p.state))))));
}

async function refreshArchive() {
  const view = await call("/archive");
  const lines = view.archives.map((a) => `${a.name}: ${a.eventCount} events, ${a.retentionDays} d, ${a.state}`);
  lines.push(...view.replays.map((r) => `replay ${r.name}: ${r.state} (${r.start} → ${r.end})`));
  document.getElementById("archive-info").textContent = lines.join("\n");
}

function localInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

document.getElementById("replay-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const result = document.getElementById("replay-result");
  try {
    const replay = await call("/replays", { method: "POST", body: JSON.stringify({
      start: new Date(form.get("start")).toISOString(), end: new Date(form.get("end")).toISOString() }) });
    result.textContent = `replay ${replay.name}: ${replay.state}`;
  } catch (error) {
    result.textContent = error.message;
  }
  refreshArchive();
});

async function refreshSchedules() {
  const { schedules } = await call("/schedules");
  document.getElementById("schedule-rows").replaceChildren(...schedules.map((s) => el("div", {},
    `${s.function} · ${s.expression} · next ${s.nextAt} `,
    el("button", { "data-action": "fire", "data-function": s.function, onclick: () => fire(s.function) }, "fire now"))));
}

async function fire(fn) {
  const box = document.getElementById("schedule-result");
  try {
    const outcome = await call(`/schedules/${fn}/fire`, { method: "POST" });
    box.textContent = outcome.ok ? `${fn}: ok ${JSON.stringify(outcome.result)}` : `${fn}: ${outcome.error}`;
  } catch (error) {
    box.textContent = error.message;
  }
}

// ---- start ----------------------------------------------------------------------------------

(async () => {
  const form = document.getElementById("replay-form");
  form.start.value = localInput(new Date(Date.now() - 3600_000));
  form.end.value = localInput(new Date());
  await drawGraph();
  await refreshStats();
  openTrace();
  refreshSchedules();
  const poll = () => Promise.allSettled([refreshQueues(), refreshExecutions(), refreshArchive()]);
  poll();
  // Depths and executions every 3 s; the trace and the edge counts come as they happen.
  setInterval(() => document.hidden || poll(), 3000);
})();
