"use strict";
// One trial: state, parameters, its curves (every metric it reported), failure reason and a command trial's stderr
// tail, its checkpoint folder, and which worker ran which attempt. Refreshed whenever its search changes.
HS.trialPage = async (page, id, number) => {
  HS.crumbs(["Searches", "/ui/"], [id, HS.searchUrl(id)], [`trial ${number}`]);
  document.title = `trial ${number} · ${id} · HyperSearch`;
  let drawn = null;
  const render = (t) => {
    const json = JSON.stringify(t);
    if (json === drawn) return;
    drawn = json;
    HS.status(["completed", "failed", "pruned", "cancelled"].includes(t.state) ? `ended: ${t.state}` : "live");
    const metrics = [...new Set(t.epochs.flatMap(e => Object.keys(e.values)))].filter(m => m !== "epoch_seconds" && m !== "images_per_s").sort();
    // Accuracies and losses get a chart each; anything else a trainer reports (counters, timings) is in the table only.
    const accuracy = metrics.filter(m => m.includes("acc")), loss = metrics.filter(m => m.includes("loss"));
    const chart = (names, title) => HS.lineChart(title, names.map((m, i) => ({
      key: i * 3 + 1, label: m, tip: t.epochs.filter(e => m in e.values).map(e => `epoch ${e.epoch}: ${HS.num(e.values[m])}`).join("\n"),
      points: t.epochs.filter(e => m in e.values && Number.isFinite(e.values[m])).map(e => [e.epoch, e.values[m]]),
    })), { xLabel: "epoch", yLabel: title, integerX: true, empty: "no epoch reported yet" });
    const legend = (names) => HS.el("p", { class: "muted", text: names.length ? `lines: ${names.join(", ")} (hover or focus a line for its values)` : "" });
    const params = HS.table(["Parameter", "Value"], Object.entries(t.parameters).map(([k, v]) =>
      HS.el("tr", {}, HS.el("td", { text: k }), HS.el("td", { text: HS.value(v) }))), { id: "params" });
    const epochs = HS.table([{ text: "Epoch", cls: "num" }, ...metrics.map(m => ({ text: m, cls: "num" }))],
      t.epochs.map(e => HS.el("tr", {}, HS.el("td", { class: "num", text: e.epoch }), metrics.map(m => HS.el("td", { class: "num", text: HS.num(e.values[m]) })))));
    const attempts = HS.table([{ text: "Attempt", cls: "num" }, "Worker", "Lease", "Started", "Ended", "Ending"],
      t.attempts.map((a, i) => HS.el("tr", {}, HS.el("td", { class: "num", text: i + 1 }), HS.el("td", { text: a.worker }),
        HS.el("td", { class: "num", text: a.leaseToken }), HS.el("td", { text: a.startedAt }), HS.el("td", { text: a.endedAt || "—" }),
        HS.el("td", { text: a.ending || "running" }))), { id: "attempts" });
    const failure = t.failureReason && t.stderrTail !== null && t.failureReason.endsWith(t.stderrTail)
      ? t.failureReason.slice(0, t.failureReason.length - t.stderrTail.length) : t.failureReason;
    const cp = t.checkpoint;
    page.replaceChildren(
      HS.el("h1", { text: `Trial ${t.number}` }),
      HS.el("dl", { class: "kv", id: "trial-summary" },
        HS.el("dt", { text: "Search" }), HS.el("dd", {}, HS.el("a", { href: HS.searchUrl(id), text: id })),
        HS.el("dt", { text: "State" }), HS.el("dd", {}, HS.state(t.state)),
        HS.el("dt", { text: t.metric }), HS.el("dd", { text: HS.num(t.objective) }),
        HS.el("dt", { text: "Attempt / worker" }), HS.el("dd", { id: "attempt", text: `attempt ${t.attempt} on ${t.worker || "—"}` }),
        HS.el("dt", { text: "Weights" }), HS.el("dd", { text: HS.num(t.parameterCount) }),
        HS.el("dt", { text: "Started / ended" }), HS.el("dd", { text: `${t.startedAt || "—"} / ${t.endedAt || "—"}` })),
      HS.el("div", { class: "grid" },
        HS.el("section", { class: "panel", "aria-label": "accuracy" }, HS.el("h2", { text: "Accuracy" }), chart(accuracy, "accuracy"), legend(accuracy)),
        HS.el("section", { class: "panel", "aria-label": "loss" }, HS.el("h2", { text: "Loss" }), chart(loss, "loss"), legend(loss)),
        HS.el("section", { class: "panel" }, HS.el("h2", { text: "Parameters" }), params),
        HS.el("section", { class: "panel", id: "checkpoint" }, HS.el("h2", { text: "Checkpoint" }),
          !cp.path ? HS.el("p", { class: "muted", text: "this host does not know the checkpoint folder" })
          : HS.el("div", {}, HS.el("p", {}, HS.el("code", { text: cp.path }), cp.exists ? "" : " (not on this host's disk)"),
              HS.el("ul", {}, cp.files.map(f => HS.el("li", { text: `${f.name} (${f.bytes} bytes)` }))))),
        HS.el("section", { class: "panel wide" }, HS.el("h2", { text: "Attempts" }), attempts),
        t.failureReason ? HS.el("section", { class: "panel wide", id: "failure" }, HS.el("h2", { text: "Failure reason" }), HS.el("pre", { text: failure })) : null,
        t.stderrTail !== null ? HS.el("section", { class: "panel wide" }, HS.el("h2", { text: "stderr tail" }), HS.el("pre", { id: "stderr", text: t.stderrTail })) : null,
        t.findings.length ? HS.el("section", { class: "panel wide" }, HS.el("h2", { text: "Diagnostics" }),
          t.findings.map(f => HS.el("div", { class: `finding ${f.severity}` }, HS.el("strong", { text: `${f.kind}: ` }), f.message, HS.el("div", { class: "muted", text: f.suggestion })))) : null,
        HS.el("section", { class: "panel wide" }, HS.el("h2", { text: "Epochs" }), epochs)));
  };
  const url = `${HS.apiSearch(id)}/trials/${number}`;
  render(await HS.getJson(url));
  // The search's event stream says when anything changed; the trial is read again then.
  HS.live(`${HS.apiSearch(id)}/events`, async () => {
    try { render(await HS.getJson(url)); } catch (err) { HS.status(err.message, true); }
  });
};
