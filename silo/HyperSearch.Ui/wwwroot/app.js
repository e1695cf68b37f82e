"use strict";
// HyperSearch UI: one HTML shell, the path picks the page. Data comes from /api; pages stay live through
// server-sent events. All text goes in through textContent (never innerHTML), so names and params are inert.
const HS = {};

HS.el = (tag, attrs, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
};

HS.num = (v, digits = 4) => v === null || v === undefined ? "—" : typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(digits)) : String(v);
HS.value = (v) => typeof v === "number" ? HS.num(v, 6) : String(v);
HS.duration = (s) => {
  if (s === null || s === undefined) return "—";
  s = Math.round(s);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${sec}s` : `${sec}s`;
};
HS.params = (p) => Object.entries(p || {}).map(([k, v]) => `${k}=${HS.value(v)}`).join(", ");
HS.state = (s) => HS.el("span", { class: `state state-${s}`, text: s });
HS.searchUrl = (id) => `/ui/searches/${encodeURIComponent(id)}`;
HS.trialUrl = (id, n) => `${HS.searchUrl(id)}/trials/${n}`;
HS.apiSearch = (id) => `/api/searches/${encodeURIComponent(id)}`;

HS.status = (text, isError) => {
  const s = document.getElementById("status");
  s.textContent = text || "";
  s.className = isError ? "error" : "muted";
};

HS.getJson = async (url) => {
  const r = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await r.json().catch(() => ({ error: `${r.status} ${r.statusText}` }));
  if (!r.ok) throw new Error(body.error || `${r.status} ${r.statusText}`);
  return body;
};

HS.post = async (url, body, contentType) => {
  const r = await fetch(url, { method: "POST", body, headers: { "X-HyperSearch-Action": "1", "Content-Type": contentType || "text/plain" } });
  const answer = await r.json().catch(() => ({ error: `${r.status} ${r.statusText}` }));
  if (!r.ok) throw Object.assign(new Error(answer.error || `${r.status}`), { problems: answer.problems || [] });
  return answer;
};

// Server-sent events: onData gets each new view; the browser reconnects by itself after an error.
HS.live = (url, onData) => {
  const source = new EventSource(url);
  source.onmessage = (e) => {
    const data = JSON.parse(e.data);
    if (data && data.error) HS.status(`live updates: ${data.error}`, true);
    else onData(data);
  };
  source.onerror = () => HS.status("live updates interrupted; reconnecting…", true);
  window.addEventListener("pagehide", () => source.close());
  return source;
};

HS.crumbs = (...items) => {
  const nav = document.getElementById("crumbs");
  nav.replaceChildren(...items.map(([text, href]) => href ? HS.el("a", { href, text }) : HS.el("span", { text, "aria-current": "page" })));
};

HS.table = (headers, rows, attrs) => HS.el("div", { class: "scroll" }, HS.el("table", attrs || {},
  HS.el("thead", {}, HS.el("tr", {}, headers.map(h => HS.el("th", { scope: "col", class: h.cls || null, text: h.text || h })))),
  HS.el("tbody", {}, rows)));

// The list of searches: state, progress, best so far, time left.
HS.listPage = async (page, me) => {
  HS.crumbs(["Searches"]);
  document.title = "Searches · HyperSearch";
  const body = HS.el("div");
  // The start form goes above the list: below it, every change in the list's height (its first render, a search
  // added) moved the form under a pointer that was on its way to it.
  page.replaceChildren(HS.el("h1", { text: "Searches" }), HS.el("p", { class: "muted", text: `Source: ${me.source}` }),
    ...(me.canOperate ? [HS.startForm()] : []), body);
  const render = (searches) => {
    HS.status(`${searches.length} search(es); live`);
    if (searches.length === 0) { body.replaceChildren(HS.el("p", { text: "No searches yet." })); return; }
    body.replaceChildren(HS.table(
      ["Search", "State", "Progress", { text: "Trials", cls: "num" }, { text: "Best", cls: "num" }, { text: "Elapsed", cls: "num" }, { text: "Time left", cls: "num" }],
      searches.map(s => {
        const bar = HS.el("div");
        bar.style.width = `${Math.round(s.progress * 100)}%`;
        const done = (s.trials.completed || 0) + (s.trials.pruned || 0) + (s.trials.failed || 0) + (s.trials.cancelled || 0);
        return HS.el("tr", { "data-search": s.id },
          HS.el("td", {}, HS.el("a", { class: "search-link", href: HS.searchUrl(s.id), text: s.name }), HS.el("div", { class: "muted", text: s.id })),
          HS.el("td", {}, HS.state(s.state)),
          HS.el("td", {}, HS.el("div", { class: "progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": Math.round(s.progress * 100), "aria-label": `progress of ${s.name}` }, bar)),
          HS.el("td", { class: "num", text: `${done}/${s.maxTrials} (${s.trials.running || 0} running)` }),
          HS.el("td", { class: "num", text: s.best ? `${HS.num(s.best.objective)} (#${s.best.trial})` : "—", title: s.best ? HS.params(s.best.parameters) : null }),
          HS.el("td", { class: "num", text: HS.duration(s.elapsedSeconds) }),
          HS.el("td", { class: "num", text: HS.duration(s.timeLeftSeconds), title: s.timeLeftBasis }));
      }), { id: "searches" }));
  };
  render(await HS.getJson("/api/searches"));
  HS.live("/api/events", render);
};

// Operators start a search from a spec (YAML or JSON); the silo checks it exactly as `search start` does.
HS.startForm = () => {
  const spec = HS.el("textarea", { id: "spec", "aria-label": "search spec (YAML or JSON)", spellcheck: "false" });
  const id = HS.el("input", { id: "search-id", type: "text", "aria-label": "search id (optional)", placeholder: "generated from the name" });
  const result = HS.el("div", { id: "start-result", role: "status" });
  const button = HS.el("button", { id: "start", type: "submit", text: "Start search" });
  const form = HS.el("form", { class: "panel" }, HS.el("h2", { text: "Start a search" }),
    HS.el("label", { for: "spec", text: "Spec (YAML or JSON)" }), spec,
    HS.el("div", { class: "actions" }, HS.el("label", { for: "search-id", text: "Id" }), id, button), result);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    button.disabled = true;
    try {
      const q = id.value.trim() ? `?id=${encodeURIComponent(id.value.trim())}` : "";
      const answer = await HS.post(`/api/searches${q}`, spec.value, "application/yaml");
      result.replaceChildren(HS.el("span", { text: "Started " }), HS.el("a", { href: HS.searchUrl(answer.id), text: answer.id }));
    } catch (err) {
      result.replaceChildren(HS.el("p", { class: "error", text: err.message }), HS.el("ul", {}, err.problems.map(p => HS.el("li", { text: p }))));
    } finally {
      button.disabled = false;
    }
  });
  return form;
};

HS.route = async () => {
  const page = document.getElementById("page");
  const parts = location.pathname.replace(/^\/ui\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  try {
    const me = await HS.getJson("/api/me");
    document.getElementById("who").textContent = `${me.identity} · ${me.role}${me.canOperate ? "" : " (read-only)"}`;
    if (parts[0] === "searches" && parts.length === 2) await HS.searchPage(page, parts[1], me);
    else if (parts[0] === "searches" && parts[2] === "trials" && parts.length === 4) await HS.trialPage(page, parts[1], Number(parts[3]));
    else await HS.listPage(page, me);
  } catch (err) {
    HS.status(err.message, true);
  }
};

document.addEventListener("DOMContentLoaded", HS.route);
