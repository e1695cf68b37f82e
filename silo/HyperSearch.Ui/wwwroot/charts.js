"use strict";
// Small SVG charts, no library: line charts (learning curves, best so far) and parallel coordinates with brushing.
// Every series is focusable: hover or keyboard focus shows its tooltip, Enter or click opens its link.
const SVG = "http://www.w3.org/2000/svg";
const svgEl = (tag, attrs, ...children) => {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) node.setAttribute(k, v);
  for (const c of children) if (c) node.append(c);
  return node;
};
HS.color = (i) => `hsl(${(i * 137.508) % 360}, 65%, 42%)`;

HS.tooltip = {
  show(text, x, y) {
    const t = document.getElementById("tooltip");
    t.textContent = text;
    t.hidden = false;
    t.style.left = `${Math.min(x + 14, window.innerWidth - 330)}px`;
    t.style.top = `${y + 14}px`;
  },
  hide() { document.getElementById("tooltip").hidden = true; },
};

const ticks = (min, max, n) => {
  if (!(max > min)) return [min];
  const step = Math.pow(10, Math.floor(Math.log10((max - min) / n)));
  const nice = [1, 2, 5, 10].map(m => m * step).find(s => (max - min) / s <= n) || step * 10;
  const out = [];
  for (let v = Math.ceil(min / nice) * nice; v <= max + 1e-12; v += nice) out.push(+v.toPrecision(12));
  return out;
};

const interactive = (node, label, tip, href) => {
  node.setAttribute("tabindex", "0");
  node.setAttribute("role", href ? "link" : "img");
  node.setAttribute("aria-label", `${label}: ${tip.replace(/\n/g, "; ")}`);
  node.addEventListener("mousemove", (e) => HS.tooltip.show(`${label}\n${tip}`, e.clientX, e.clientY));
  node.addEventListener("mouseleave", () => HS.tooltip.hide());
  node.addEventListener("focus", () => { const r = node.getBoundingClientRect(); HS.tooltip.show(`${label}\n${tip}`, r.left, r.top); });
  node.addEventListener("blur", () => HS.tooltip.hide());
  if (href) {
    node.addEventListener("click", () => { location.href = href; });
    node.addEventListener("keydown", (e) => { if (e.key === "Enter") location.href = href; });
  }
};

// series: [{ key, label, tip, href, points: [[x, y]] }]
HS.lineChart = (title, series, opts = {}) => {
  const W = 640, H = 300, L = 56, R = 12, T = 14, B = 38;
  const pts = series.flatMap(s => s.points);
  const svg = svgEl("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "group", "aria-label": title });
  if (pts.length === 0) {
    svg.append(svgEl("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }));
    svg.lastChild.textContent = opts.empty || "nothing to draw yet";
    return svg;
  }
  let [x0, x1] = [Math.min(...pts.map(p => p[0])), Math.max(...pts.map(p => p[0]))];
  let [y0, y1] = [Math.min(...pts.map(p => p[1])), Math.max(...pts.map(p => p[1]))];
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0) { y0 -= 0.05; y1 += 0.05; }
  const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
  const sx = (x) => L + (x - x0) / (x1 - x0) * (W - L - R);
  const sy = (y) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  const axis = svgEl("g", { class: "axis" });
  axis.append(svgEl("line", { x1: L, y1: H - B, x2: W - R, y2: H - B }), svgEl("line", { x1: L, y1: T, x2: L, y2: H - B }));
  for (const v of ticks(y0, y1, 5)) {
    const t = svgEl("text", { x: L - 6, y: sy(v) + 4, "text-anchor": "end" }); t.textContent = HS.num(v, 3); axis.append(t);
  }
  for (const v of ticks(x0, x1, 8).filter(v => !opts.integerX || Number.isInteger(v))) {
    const t = svgEl("text", { x: sx(v), y: H - B + 15, "text-anchor": "middle" }); t.textContent = HS.num(v, 3); axis.append(t);
  }
  const xl = svgEl("text", { x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle" }); xl.textContent = opts.xLabel || ""; axis.append(xl);
  const yl = svgEl("text", { x: 12, y: T + (H - T - B) / 2, transform: `rotate(-90 12 ${T + (H - T - B) / 2})`, "text-anchor": "middle" });
  yl.textContent = opts.yLabel || ""; axis.append(yl);
  svg.append(axis);
  for (const s of series) {
    if (s.points.length === 0) continue;
    const stepEnd = opts.step && opts.xEnd !== undefined ? `H${sx(Math.max(opts.xEnd, x0)).toFixed(1)}` : "";
    // A lone point is a round-capped dot. A zero-length path is drawn but never hit (Chromium 156 hit-tests a
    // degenerate path's stroke as empty), so the dot is a one-unit segment: its tooltip shows like any curve's.
    const d = s.points.length === 1 && !stepEnd
      ? `M${(sx(s.points[0][0]) - 0.5).toFixed(1)},${sy(s.points[0][1]).toFixed(1)}h1`
      : s.points.map((p, i) => {
        if (i === 0) return `M${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`;
        return opts.step ? `H${sx(p[0]).toFixed(1)}V${sy(p[1]).toFixed(1)}` : `L${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`;
      }).join("") + stepEnd;
    const path = svgEl("path", { class: "series", d, stroke: s.color || HS.color(s.key), "data-key": s.key });
    if (s.points.length === 1) path.setAttribute("stroke-linecap", "round"), path.setAttribute("stroke-width", "6");
    interactive(path, s.label, s.tip, s.href);
    svg.append(path);
  }
  return svg;
};

// points: [{ key, label, tip, href, x, y, front }]. Front points are drawn in colour and joined in x order; the rest grey.
HS.scatter = (title, points, opts = {}) => {
  const W = 640, H = 300, L = 64, R = 12, T = 14, B = 38;
  const svg = svgEl("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "group", "aria-label": title });
  if (points.length === 0) {
    svg.append(svgEl("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }));
    svg.lastChild.textContent = opts.empty || "nothing to draw yet";
    return svg;
  }
  let [x0, x1] = [Math.min(...points.map(p => p.x)), Math.max(...points.map(p => p.x))];
  let [y0, y1] = [Math.min(...points.map(p => p.y)), Math.max(...points.map(p => p.y))];
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0) { y0 -= 0.05; y1 += 0.05; }
  const px = (x1 - x0) * 0.05, py = (y1 - y0) * 0.05; x0 -= px; x1 += px; y0 -= py; y1 += py;
  const sx = (x) => L + (x - x0) / (x1 - x0) * (W - L - R);
  const sy = (y) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  const axis = svgEl("g", { class: "axis" });
  axis.append(svgEl("line", { x1: L, y1: H - B, x2: W - R, y2: H - B }), svgEl("line", { x1: L, y1: T, x2: L, y2: H - B }));
  for (const v of ticks(y0, y1, 5)) { const t = svgEl("text", { x: L - 6, y: sy(v) + 4, "text-anchor": "end" }); t.textContent = HS.num(v, 3); axis.append(t); }
  for (const v of ticks(x0, x1, 6)) { const t = svgEl("text", { x: sx(v), y: H - B + 15, "text-anchor": "middle" }); t.textContent = HS.num(v, 3); axis.append(t); }
  const xl = svgEl("text", { x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle" }); xl.textContent = opts.xLabel || ""; axis.append(xl);
  const yl = svgEl("text", { x: 12, y: T + (H - T - B) / 2, transform: `rotate(-90 12 ${T + (H - T - B) / 2})`, "text-anchor": "middle" });
  yl.textContent = opts.yLabel || ""; axis.append(yl);
  svg.append(axis);
  const front = points.filter(p => p.front).sort((a, b) => a.x - b.x);
  if (front.length > 1) svg.append(svgEl("path", { class: "front-line", d: front.map((p, i) => `${i ? "L" : "M"}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(""), fill: "none", stroke: "#0b5cad" }));
  for (const p of [...points.filter(q => !q.front), ...front]) {
    const dot = svgEl("circle", { class: p.front ? "point front" : "point", cx: sx(p.x).toFixed(1), cy: sy(p.y).toFixed(1), r: p.front ? 6 : 4,
      fill: p.front ? "#0b5cad" : "#9aa4ae", "data-key": p.key });
    interactive(dot, p.label, p.tip, p.href);
    svg.append(dot);
  }
  return svg;
};

// Parallel coordinates: one axis per parameter plus the objective. Dragging on an axis brushes a range; the same
// ranges can be typed in (keyboard). onBrush(keptKeys) is told which trials pass every brush.
HS.parallel = (rows, names, objectiveName, onBrush) => {
  const W = 760, H = 300, T = 22, B = 26, L = 40, R = 40;
  const axes = [...names, objectiveName];
  const wrap = HS.el("div");
  const svg = svgEl("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "group", "aria-label": "parallel coordinates of parameters and objective" });
  const scales = axes.map((name) => {
    const values = rows.map(r => name === objectiveName ? r.objective : r.parameters[name]).filter(v => v !== null && v !== undefined);
    const numeric = values.every(v => typeof v === "number");
    if (numeric) {
      const lo = Math.min(...values), hi = Math.max(...values);
      return { name, numeric, lo, hi, pos: (v) => hi > lo ? (v - lo) / (hi - lo) : 0.5, back: (t) => lo + t * (hi - lo) };
    }
    const cats = [...new Set(values.map(String))].sort();
    return { name, numeric, cats, pos: (v) => cats.length > 1 ? cats.indexOf(String(v)) / (cats.length - 1) : 0.5 };
  });
  const ax = (i) => L + i * (W - L - R) / Math.max(1, axes.length - 1);
  const ay = (t) => T + (1 - t) * (H - T - B);
  const brushes = axes.map(() => null);
  const lines = rows.map((r, k) => {
    const d = scales.map((s, i) => {
      const v = s.name === objectiveName ? r.objective : r.parameters[s.name];
      return `${i ? "L" : "M"}${ax(i).toFixed(1)},${ay(v === null || v === undefined ? 0 : s.pos(v)).toFixed(1)}`;
    }).join("");
    const path = svgEl("path", { class: "series", d, stroke: HS.color(r.key), "data-key": r.key });
    interactive(path, r.label, r.tip, r.href);
    svg.append(path);
    return path;
  });
  const inputs = [];
  const apply = () => {
    const kept = new Set();
    rows.forEach((r, k) => {
      const ok = scales.every((s, i) => {
        const b = brushes[i];
        if (!b) return true;
        const v = s.name === objectiveName ? r.objective : r.parameters[s.name];
        if (v === null || v === undefined) return false;
        const t = s.pos(v);
        return t >= b[0] - 1e-9 && t <= b[1] + 1e-9;
      });
      lines[k].classList.toggle("dim", !ok);
      if (ok) kept.add(r.key);
    });
    onBrush(kept);
  };
  scales.forEach((s, i) => {
    const g = svgEl("g", { class: "axis" });
    g.append(svgEl("line", { x1: ax(i), y1: T, x2: ax(i), y2: H - B }));
    const label = svgEl("text", { x: ax(i), y: H - 8, "text-anchor": "middle" }); label.textContent = s.name; g.append(label);
    const lo = svgEl("text", { x: ax(i) + 4, y: H - B + 2 }); lo.textContent = s.numeric ? HS.num(s.lo, 3) : (s.cats[0] || "");
    const hi = svgEl("text", { x: ax(i) + 4, y: T - 6 }); hi.textContent = s.numeric ? HS.num(s.hi, 3) : (s.cats[s.cats.length - 1] || "");
    g.append(lo, hi);
    const rect = svgEl("rect", { class: "brush", x: ax(i) - 8, width: 16, y: T, height: 0 });
    const hit = svgEl("rect", { x: ax(i) - 12, y: T, width: 24, height: H - T - B, fill: "transparent", cursor: "ns-resize" });
    g.append(rect, hit);
    const show = () => {
      const b = brushes[i];
      rect.setAttribute("y", b ? ay(b[1]) : T);
      rect.setAttribute("height", b ? Math.max(2, ay(b[0]) - ay(b[1])) : 0);
    };
    const toT = (e) => { const p = svg.getBoundingClientRect(); return Math.min(1, Math.max(0, 1 - ((e.clientY - p.top) * H / p.height - T) / (H - T - B))); };
    hit.addEventListener("pointerdown", (e) => {
      const start = toT(e);
      hit.setPointerCapture(e.pointerId);
      const move = (m) => { const t = toT(m); brushes[i] = Math.abs(t - start) < 0.01 ? null : [Math.min(t, start), Math.max(t, start)]; show(); sync(i); apply(); };
      hit.addEventListener("pointermove", move);
      hit.addEventListener("pointerup", () => hit.removeEventListener("pointermove", move), { once: true });
    });
    inputs.push({ show, scale: s });
    svg.append(g);
  });
  // The keyboard way to brush: a min and max per numeric axis (categorical axes brush by dragging or filter by value).
  const form = HS.el("div", { class: "brushes" });
  const fields = scales.map((s, i) => {
    if (!s.numeric) return null;
    const min = HS.el("input", { type: "number", step: "any", "aria-label": `${s.name} at least`, placeholder: "min" });
    const max = HS.el("input", { type: "number", step: "any", "aria-label": `${s.name} at most`, placeholder: "max" });
    const change = () => {
      const a = min.value === "" ? s.lo : Number(min.value), b = max.value === "" ? s.hi : Number(max.value);
      brushes[i] = min.value === "" && max.value === "" ? null : [s.pos(Math.min(a, b)), s.pos(Math.max(a, b))];
      inputs[i].show(); apply();
    };
    min.addEventListener("input", change); max.addEventListener("input", change);
    form.append(HS.el("fieldset", {}, HS.el("legend", { text: s.name }), HS.el("label", {}, min), " ", HS.el("label", {}, max)));
    return { min, max };
  });
  const sync = (i) => {
    const f = fields[i], s = scales[i], b = brushes[i];
    if (!f) return;
    f.min.value = b ? +s.back(b[0]).toPrecision(4) : "";
    f.max.value = b ? +s.back(b[1]).toPrecision(4) : "";
  };
  wrap.append(svg, form);
  return wrap;
};
