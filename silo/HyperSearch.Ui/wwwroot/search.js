"use strict";
// One search: summary, live leaderboard, learning curves, best so far over time, parallel coordinates with
// brushing, parameter importance, diagnostics findings, a multi-objective search's Pareto front, Population Based
// Training's lineage, and (for operators) cancel.
HS.searchPage = async (page, id, me) => {
  HS.crumbs(["Searches", "/ui/"], [id]);
  const parts = {
    head: HS.el("div"), actions: HS.el("div", { class: "actions" }), board: HS.el("div"), curves: HS.el("div"), best: HS.el("div"),
    parallel: HS.el("div"), importance: HS.el("div"), findings: HS.el("div"), front: HS.el("div"), lineage: HS.el("div"),
  };
  const panel = (title, body, cls, id) => HS.el("section", { class: `panel ${cls || ""}`, id, "aria-label": title }, HS.el("h2", { text: title }), body);
  page.replaceChildren(parts.head, parts.actions, HS.el("div", { class: "grid" },
    panel("Leaderboard", parts.board, "wide", "leaderboard-panel"),
    panel("Learning curves", parts.curves, "", "curves-panel"),
    panel("Best so far", parts.best, "", "best-panel"),
    panel("Parallel coordinates", parts.parallel, "wide", "parallel-panel"),
    panel("Parameter importance", parts.importance, "", "importance-panel"),
    panel("Diagnostics", parts.findings, "", "findings-panel"),
    panel("Pareto front", parts.front, "", "front-panel"),
    panel("PBT lineage", parts.lineage, "", "lineage-panel")));
  let brushed = null;
  let last = null;
  // Charts are redrawn only when their data changed (the summary's clock ticks every second), so hover, focus and
  // brushes survive; a redrawn table gets its focused link back.
  const drawn = {};
  const changed = (key, value) => { const json = JSON.stringify(value); if (drawn[key] === json) return false; drawn[key] = json; return true; };
  const render = (d) => {
    if (d === null) { HS.status(`no search with id '${id}'`, true); return; }
    last = d;
    const focused = document.activeElement && document.activeElement.getAttribute("href");
    const s = d.summary;
    document.title = `${s.name} · HyperSearch`;
    HS.status(s.state === "running" || s.state === "evaluatingwinner" ? "live" : `finished: ${s.state}`);
    parts.head.replaceChildren(HS.el("h1", { text: s.name }), HS.el("dl", { class: "kv", id: "summary" },
      HS.el("dt", { text: "Id" }), HS.el("dd", { text: s.id }),
      HS.el("dt", { text: "State" }), HS.el("dd", {}, HS.state(s.state), s.stopReason ? ` — ${s.stopReason}` : ""),
      HS.el("dt", { text: "Trials" }), HS.el("dd", { text: Object.entries(s.trials).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(", ") + ` of ${s.maxTrials}` }),
      HS.el("dt", { text: `Best ${s.metric}` }), HS.el("dd", { text: s.best ? `${HS.num(s.best.objective)} — trial ${s.best.trial}: ${HS.params(s.best.parameters)}` : "—" }),
      HS.el("dt", { text: "Test accuracy" }), HS.el("dd", { text: HS.num(s.testAccuracy) }),
      HS.el("dt", { text: "Elapsed / left" }), HS.el("dd", { text: `${HS.duration(s.elapsedSeconds)} / ${HS.duration(s.timeLeftSeconds)} (${s.timeLeftBasis})` })));
    renderActions(d);
    if (changed("board", d.leaderboard)) renderBoard(d);
    const href = (n) => HS.trialUrl(id, n);
    const tip = (t) => `${t.state}; ${HS.params(t.parameters)}`;
    if (changed("curves", d.curves)) parts.curves.replaceChildren(HS.lineChart(`${s.metric} per epoch, one line per trial`,
      d.curves.map(c => ({ key: c.trial, label: `trial ${c.trial}`, tip: tip(c), href: href(c.trial), points: c.points.map(p => [p.epoch, p.value]) })),
      { xLabel: "epoch", yLabel: s.metric, integerX: true, empty: "no epoch reported yet" }));
    if (changed("best", d.bestOverTime)) parts.best.replaceChildren(HS.lineChart(`best ${s.metric} over time`,
      [{ key: 0, label: "best so far", tip: d.bestOverTime.map(b => `${HS.duration(b.seconds)}: ${HS.num(b.objective)} (trial ${b.trial})`).join("\n"),
         points: d.bestOverTime.map(b => [b.seconds, b.objective]), color: "#0b5cad" }],
      { xLabel: "seconds since start", yLabel: `best ${s.metric}`, step: true, empty: "no trial completed yet" }));
    const scored = d.leaderboard.filter(r => r.objective !== null && Object.keys(r.parameters).length > 0);
    if (changed("parallel", scored)) parts.parallel.replaceChildren(scored.length < 2 ? HS.el("p", { class: "muted", text: "needs two trials with a value" }) :
      HS.parallel(scored.map(r => ({ key: r.trial, label: `trial ${r.trial}`, tip: tip(r), href: href(r.trial), parameters: r.parameters, objective: r.objective })),
        d.parameterNames, s.metric, (kept) => { brushed = kept.size === scored.length ? null : kept; renderBoard(last); }));
    if (changed("importance", [d.importance, d.importanceWhyNot])) parts.importance.replaceChildren(d.importance.length === 0 ? HS.el("p", { class: "muted", text: d.importanceWhyNot || "not enough trials" }) :
      HS.el("div", { id: "importance" }, d.importance.map(p => {
        const bar = HS.el("div", { class: "bar" });
        bar.style.width = `${Math.round(p.share * 100)}%`;
        return HS.el("div", { class: "bar-row" }, HS.el("span", { text: p.parameter }), HS.el("div", { "aria-hidden": "true" }, bar),
          HS.el("span", { class: "num", text: `${Math.round(p.share * 100)}%` }));
      }), HS.el("p", { class: "muted", text: "share of the objective's variance each parameter explains (η², scaled to sum to 1)" })));
    if (changed("findings", d.findings)) parts.findings.replaceChildren(d.findings.length === 0 ? HS.el("p", { class: "muted", text: "no findings" }) :
      HS.el("div", { id: "findings" }, d.findings.map(f => HS.el("div", { class: `finding ${f.severity}` },
        HS.el("strong", { text: `${f.kind}${f.trial !== null ? ` (trial ${f.trial})` : ""}: ` }), f.message, HS.el("div", { class: "muted", text: f.suggestion })))));
    if (changed("front", d.front)) renderFront(d);
    if (changed("lineage", d.lineage)) {
      document.getElementById("lineage-panel").hidden = d.lineage.length === 0;
      parts.lineage.replaceChildren(HS.table(["Epoch", "Trial", "Cloned", "Explored", "Weights"], d.lineage.map(l => HS.el("tr", {},
        HS.el("td", { class: "num", text: l.epoch }),
        HS.el("td", {}, HS.el("a", { href: HS.trialUrl(id, l.trial), text: `trial ${l.trial}` })),
        HS.el("td", {}, HS.el("a", { href: HS.trialUrl(id, l.donor), text: `trial ${l.donor}` })),
        HS.el("td", { text: Object.entries(l.newValues).map(([k, v]) => `${k}=${HS.value(v)} (${l.operations[k] || "copied"})`).join(", ") }),
        HS.el("td", { text: l.verified ? "donor's (hash checked)" : "not checked" }))), { id: "lineage" }));
    }
    if (focused && document.activeElement === document.body) {
      const again = [...page.querySelectorAll("a[href]")].find(a => a.getAttribute("href") === focused);
      if (again) again.focus();
    }
  };
  const renderFront = (d) => {
    document.getElementById("front-panel").hidden = !d.front;
    if (!d.front) return;
    const [ox, oy] = d.front.objectives;
    const label = (o) => `${o.metric} (${o.maximize ? "max" : "min"})`;
    const onFront = d.front.points.filter(p => p.onFront).length;
    parts.front.replaceChildren(HS.scatter(`${label(oy)} against ${label(ox)}`, d.front.points.map(p => ({
      key: p.trial, label: `trial ${p.trial}${p.onFront ? " (front)" : ""}`, href: HS.trialUrl(id, p.trial),
      tip: `${d.front.objectives.map(o => `${o.metric}=${HS.num(p.values[o.metric])}`).join(", ")}; ${HS.params(p.parameters)}`,
      x: p.values[ox.metric], y: p.values[oy.metric], front: p.onFront,
    })), { xLabel: label(ox), yLabel: label(oy), empty: "no trial completed yet" }),
    HS.el("p", { class: "muted", id: "front-count", text: `${onFront} of ${d.front.points.length} completed trials on the front` +
      (d.front.objectives.length > 2 ? ` (first two of ${d.front.objectives.length} objectives drawn)` : "") }));
  };
  const renderBoard = (d) => {
    const s = d.summary;
    parts.board.replaceChildren(HS.table(
      [{ text: "#", cls: "num" }, "Trial", "State", { text: s.metric, cls: "num" }, { text: "Epochs", cls: "num" }, "Parameters",
       { text: "Weights", cls: "num hide-narrow" }, { text: "Worker", cls: "hide-narrow" }],
      d.leaderboard.map(r => HS.el("tr", { "data-trial": r.trial, class: brushed && !brushed.has(r.trial) ? "dim" : null },
        HS.el("td", { class: "num", text: r.rank }),
        HS.el("td", {}, HS.el("a", { class: "trial-link", href: HS.trialUrl(id, r.trial), text: `trial ${r.trial}` })),
        HS.el("td", {}, HS.state(r.state)),
        HS.el("td", { class: "num", text: HS.num(r.objective) }),
        HS.el("td", { class: "num", text: r.epochs }),
        HS.el("td", { text: HS.params(r.parameters) }),
        HS.el("td", { class: "num hide-narrow", text: HS.num(r.parameterCount) }),
        HS.el("td", { class: "hide-narrow", text: r.worker || "—" }))), { id: "leaderboard" }));
  };
  const renderActions = (d) => {
    const running = !["completed", "cancelled", "failed"].includes(d.summary.state);
    if (!d.canOperate || !running) { parts.actions.replaceChildren(); return; }
    if (parts.actions.querySelector("#cancel")) return;
    const result = HS.el("span", { id: "cancel-result", role: "status" });
    const confirm = HS.el("button", { id: "cancel-confirm", class: "danger", hidden: true, text: "Yes, cancel it" });
    const cancel = HS.el("button", { id: "cancel", class: "danger", text: "Cancel search…", onclick: () => { confirm.hidden = false; confirm.focus(); } });
    confirm.addEventListener("click", async () => {
      confirm.disabled = true;
      try { await HS.post(`${HS.apiSearch(id)}/cancel`, ""); result.textContent = "cancel requested"; }
      catch (err) { result.textContent = err.message; result.className = "error"; confirm.disabled = false; }
    });
    parts.actions.replaceChildren(cancel, confirm, result);
  };
  render(await HS.getJson(HS.apiSearch(id)));
  HS.live(`${HS.apiSearch(id)}/events`, render);
};
