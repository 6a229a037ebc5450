// The explorer page's script (autograd/viz/explore.py inlines it). Plain DOM, no library.
// Every number it shows comes from the model Python wrote: the script never computes one,
// so the page says exactly what the engine computed.
(function () {
  "use strict";
  const model = JSON.parse(document.getElementById("model").textContent);
  const steps = model.steps;
  const last = steps.length - 1;
  const svg = document.querySelector("#graph svg");
  const $ = (id) => document.getElementById(id);
  const SVGNS = "http://www.w3.org/2000/svg";

  // -- the picture's nodes and edges, found by their DOT names --------------------------
  const nodes = {};
  for (const g of svg.querySelectorAll("g.node")) {
    const title = g.querySelector("title");
    if (!title) continue;
    const name = title.textContent;
    const fillEl = g.querySelector("polygon:not([fill='none']), path:not([fill='none'])," +
      " ellipse:not([fill='none'])");
    const texts = Array.from(g.querySelectorAll("text"));
    nodes[name] = {
      g: g,
      fillEl: fillEl,
      fill: fillEl ? fillEl.getAttribute("fill") : null,
      texts: texts.map((t) => t.textContent),
      textEls: texts,
    };
  }
  if (nodes.legend) nodes.legend.g.classList.add("legend");
  // The original a node stands for: a dashed copy its source, an operation its result.
  function owner(name) {
    if (model.copies[name]) return model.copies[name];
    if (/^o\d+$/.test(name)) return "v" + name.slice(1);
    return name;
  }
  const edgesByTitle = {};
  const num = (id) => parseInt(id.replace(/\D/g, ""), 10) || 0;
  Array.from(svg.querySelectorAll("g.edge"))
    .sort((a, b) => num(a.id) - num(b.id))
    .forEach((g) => {
      const t = g.querySelector("title").textContent;
      (edgesByTitle[t] = edgesByTitle[t] || []).push(g);
    });
  const used = {};
  const edges = model.edges.map(([a, b]) => {
    const t = a + "->" + b;
    const n = used[t] || 0;
    used[t] = n + 1;
    const list = edgesByTitle[t] || [];
    return { a: a, b: b, g: list[n] || null };
  });
  const graphLayer = svg.querySelector("g.graph") || svg;

  // Which boxes each name in the panel stands for: a value without a label is called
  // v<i> there, and its box shows only numbers, so the page links the two.
  const boxesOf = {};
  for (const [key, info] of Object.entries(model.nodes)) {
    if (info.kind !== "value" || !nodes[key]) continue;
    (boxesOf[info.name] = boxesOf[info.name] || []).push(key);
  }
  const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const names = Object.keys(boxesOf).filter((n) => n).sort((a, b) => b.length - a.length);
  // a whole name: not inside a longer word or dotted name (x1 is not in x1w1 or w.1.0)
  const nameRe = names.length ?
    new RegExp("(?<![\\w.])(?:" + names.map(escape).join("|") + ")(?![\\w]|\\.\\d)", "g") : null;

  // Values and boxes are buttons: focusable, named, opened with Enter or a click.
  for (const [name, node] of Object.entries(nodes)) {
    const target = owner(name);
    const info = model.nodes[target];
    if (!info) continue;
    node.g.setAttribute("tabindex", "0");
    node.g.setAttribute("role", "button");
    node.g.dataset.node = name;
    const copy = name !== target && !/^o\d+$/.test(name) ? " (a copy)" : "";
    const what = /^o\d+$/.test(name) ? "the operation making " : "";
    node.g.setAttribute("aria-label", "details of " + what + info.name + copy);
    node.g.classList.add("clickable");
    // Hovering shows the name; the numbers, which change step by step, are in the panel
    // (a tooltip the picture carries holds the final ones only).
    node.g.querySelector("title").textContent = what ? "the operation making " + info.name :
      info.name + copy;
    if (target === name && info.kind === "value") {
      node.g.addEventListener("mouseenter", () => link(name, true));
      node.g.addEventListener("mouseleave", () => link(name, false));
      node.g.addEventListener("focus", () => link(name, true));
      node.g.addEventListener("blur", () => link(name, false));
    }
    node.g.querySelectorAll("a").forEach((a) => {
      a.removeAttributeNS("http://www.w3.org/1999/xlink", "title");
      a.removeAttribute("title");
    });
    node.g.addEventListener("click", () => showDetail(target));
    node.g.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        showDetail(target);
      }
    });
  }

  // -- the state at a step: replayed from the start, so going back is exact ---------------
  function stateAt(s) {
    const shown = new Set();
    const grads = {};
    const done = new Set();
    for (let k = 0; k <= s; k++) {
      const st = steps[k];
      (st.show || []).forEach((n) => shown.add(n));
      (st.grads || []).forEach((u) => { grads[u[0]] = u; });
      (st.done || []).forEach((n) => done.add(n));
    }
    return { shown: shown, grads: grads, done: done };
  }

  let current = 0;
  let state = stateAt(0);
  let detailOf = null;

  function paint() {
    const st = steps[current];
    state = stateAt(current);
    for (const [name, node] of Object.entries(nodes)) {
      if (name === "legend") continue;
      const visible = state.shown.has(owner(name));
      node.g.classList.toggle("future", !visible);
      node.g.classList.remove("current");
      if (/^v\d+$/.test(name)) paintValue(name, node);
      else if (/^g\d+$/.test(name)) paintGroup(name, node);
    }
    const here = (st.current || []).filter((n) => nodes[n]);
    here.forEach((n) => nodes[n].g.classList.add("current"));
    for (const e of edges) {
      if (!e.g) continue;
      const visible = state.shown.has(owner(e.a)) && state.shown.has(owner(e.b));
      e.g.classList.toggle("future", !visible);
      e.g.classList.remove("active");
    }
    graphLayer.querySelectorAll(".edge-label").forEach((el) => el.remove());
    const placed = [];
    const near = [];  // what the view should show: the step's nodes, operands and labels
    for (const [k, label, line] of st.edges || []) {
      const e = edges[k];
      if (!e || !e.g) continue;
      e.g.classList.add("active");
      e.g.classList.toggle("many", !label);
      if (nodes[e.a]) near.push(nodes[e.a].g);
      if (label) near.push(addEdgeLabel(e.g, label, line, placed));
    }
    paintPanel(st);
    if (detailOf) showDetail(detailOf);
    $("slider").value = String(current);
    $("counter").textContent = current + " / " + last;
    $("prev").disabled = $("home").disabled = current === 0;
    $("next").disabled = $("end").disabled = current === last;
    reveal(here.map((n) => nodes[n].g), near.filter(Boolean));
  }

  // Scroll the picture so the step's nodes (and the operands and labels beside them) are
  // in view: back to the top left corner if they are in view from there (the first column
  // and the legend are cut only when they must be), else moved as little as it can. When
  // they cannot all be in view, the step's own nodes are; when those cannot either (a
  // layer's step), their start is, with the frame's title above it. The start shows the
  // corner.
  function reveal(focus, near) {
    const pane = $("graph");
    if (!focus.length) {
      pane.scrollLeft = pane.scrollTop = 0;
      return;
    }
    const p = pane.getBoundingClientRect();
    const rect = (els) => {
      const rs = els.map((el) => el.getBoundingClientRect()).filter((r) => r.width || r.height);
      if (!rs.length) return null;
      return {
        left: Math.min(...rs.map((r) => r.left)) - p.left - pane.clientLeft + pane.scrollLeft,
        right: Math.max(...rs.map((r) => r.right)) - p.left - pane.clientLeft + pane.scrollLeft,
        top: Math.min(...rs.map((r) => r.top)) - p.top - pane.clientTop + pane.scrollTop,
        bottom: Math.max(...rs.map((r) => r.bottom)) - p.top - pane.clientTop + pane.scrollTop,
      };
    };
    const all = rect(focus.concat(near));
    const own = rect(focus);
    if (!all || !own) return;
    const margin = 12;
    const axis = (ranges, at, size) => {
      for (const [lo, hi] of ranges) {
        if (hi - lo + 2 * margin > size) continue;
        if (hi + margin <= size) return 0;
        if (lo - margin < at) return lo - margin;
        if (hi + margin > at + size) return hi + margin - size;
        return at;
      }
      return Math.max(0, ranges[ranges.length - 1][0] - 3 * margin);
    };
    pane.scrollLeft = Math.max(0, axis([[all.left, all.right], [own.left, own.right]],
      pane.scrollLeft, pane.clientWidth));
    pane.scrollTop = Math.max(0, axis([[all.top, all.bottom], [own.top, own.bottom]],
      pane.scrollTop, pane.clientHeight));
  }

  function paintValue(name, node) {
    const u = state.grads[name];
    const info = model.nodes[name];
    if (node.fillEl) node.fillEl.setAttribute("fill", u ? u[3] : info.fill0);
    node.g.dataset.grad = u ? u[1] : "";
    // the last "grad ..." field is the grad (a label could start with "grad" too)
    for (let k = node.texts.length - 1; k >= 0; k--) {
      if (node.texts[k].startsWith("grad ")) {
        node.textEls[k].textContent = u ? "grad " + u[2] : "grad \u2013";
        break;
      }
    }
  }

  function paintGroup(name, node) {
    const done = state.done.has(name);
    if (node.fillEl) node.fillEl.setAttribute("fill", done ? node.fill : model.zero);
    node.texts.forEach((text, k) => {
      const isGrad = /grad/.test(text) && k > 0;
      node.textEls[k].textContent = isGrad && !done ? text.replace(/[-\d.e+inf]+$/, "\u2026") : text;
    });
    node.g.classList.toggle("pending", !done);
  }

  // What an edge's label must not cover: every node (its text above all), the frames'
  // titles, and the labels already placed. In the picture's own coordinates, found once.
  let obstacles = null;
  let bounds = null;
  function findObstacles() {
    bounds = graphLayer.getBBox();
    obstacles = [];
    for (const node of Object.values(nodes)) obstacles.push(node.g.getBBox());
    svg.querySelectorAll("g.cluster text").forEach((t) => obstacles.push(t.getBBox()));
  }
  const PAD = 3;
  const hits = (a, b) => a.x < b.x + b.width + PAD && b.x < a.x + a.width + PAD &&
    a.y < b.y + b.height + PAD && b.y < a.y + a.height + PAD;
  const inside = (a) => a.x >= bounds.x && a.y >= bounds.y &&
    a.x + a.width <= bounds.x + bounds.width && a.y + a.height <= bounds.y + bounds.height;

  // A label goes where it covers no box: on its edge if there is room there, else at the
  // nearest free place, joined to its edge by a thin line. Where there is no room at all it
  // is a small marker on the edge; its tooltip, and the panel, hold the product.
  function addEdgeLabel(edgeG, label, line, placed) {
    const path = edgeG.querySelector("path");
    if (!path || !path.getTotalLength) return null;
    if (!obstacles) findObstacles();
    const length = path.getTotalLength();
    const g = document.createElementNS(SVGNS, "g");
    g.setAttribute("class", "edge-label");
    const title = document.createElementNS(SVGNS, "title");
    title.textContent = line;
    const text = document.createElementNS(SVGNS, "text");
    text.setAttribute("text-anchor", "middle");
    text.textContent = label;
    g.append(title, text);
    graphLayer.appendChild(g);
    text.setAttribute("x", "0");
    text.setAttribute("y", "0");
    const size = text.getBBox();  // its extent about its anchor point
    const w = size.width + 6;
    const h = size.height + 2;
    const free = (box) => inside(box) && !obstacles.some((o) => hits(o, box)) &&
      !placed.some((o) => hits(o, box));
    let spot = null;
    const fractions = [0.5, 0.35, 0.65, 0.2, 0.8];
    const angles = [-90, 90, -60, 60, -120, 120, -30, 30, -150, 150, 0, 180];
    search:
    for (let r = 0; r <= 240; r += r < 24 ? 6 : 12) {
      for (const f of fractions) {
        const at = path.getPointAtLength(length * f);
        for (const deg of r ? angles : [0]) {
          const cx = at.x + r * Math.cos(deg * Math.PI / 180);
          const cy = at.y + r * Math.sin(deg * Math.PI / 180);
          const box = { x: cx - w / 2, y: cy - h / 2, width: w, height: h };
          if (free(box)) {
            spot = { box: box, at: at };
            break search;
          }
        }
      }
    }
    if (!spot) {  // no room: a marker on the edge
      const at = path.getPointAtLength(length * 0.5);
      text.remove();
      const dot = document.createElementNS(SVGNS, "circle");
      dot.setAttribute("cx", String(at.x));
      dot.setAttribute("cy", String(at.y));
      dot.setAttribute("r", "5");
      g.classList.add("marker");
      g.appendChild(dot);
      placed.push({ x: at.x - 5, y: at.y - 5, width: 10, height: 10 });
      return g;
    }
    const box = spot.box;
    placed.push(box);
    const rect = document.createElementNS(SVGNS, "rect");
    rect.setAttribute("x", String(box.x));
    rect.setAttribute("y", String(box.y));
    rect.setAttribute("width", String(w));
    rect.setAttribute("height", String(h));
    text.setAttribute("x", String(box.x + w / 2));
    text.setAttribute("y", String(box.y + 1 - size.y));
    const nx = Math.max(box.x, Math.min(spot.at.x, box.x + w));
    const ny = Math.max(box.y, Math.min(spot.at.y, box.y + h));
    if (Math.hypot(nx - spot.at.x, ny - spot.at.y) > 1) {  // away from its edge: a leader
      const leader = document.createElementNS(SVGNS, "path");
      leader.setAttribute("class", "leader");
      leader.setAttribute("d", `M${spot.at.x},${spot.at.y}L${nx},${ny}`);
      const dot = document.createElementNS(SVGNS, "circle");
      dot.setAttribute("cx", String(spot.at.x));
      dot.setAttribute("cy", String(spot.at.y));
      dot.setAttribute("r", "2.5");
      g.insertBefore(dot, text);
      g.insertBefore(leader, dot);
    }
    g.insertBefore(rect, text);
    return g;
  }

  const PHASES = {
    start: "forward pass",
    forward: "forward pass: each value computed from its operands",
    seed: "backward pass, in the engine's order (newest first)",
    backward: "backward pass, in the engine's order (newest first)",
    end: "end of the backward pass",
  };

  function paintPanel(st) {
    $("step-title").textContent = st.title;
    $("phase").textContent = "Step " + current + " of " + last + ": " + PHASES[st.kind];
    const list = $("step-lines");
    list.replaceChildren(...(st.lines || []).map((line) => {
      const li = document.createElement("li");
      li.append(...withNames(line));
      return li;
    }));
    const table = $("final");
    table.hidden = st.kind !== "end";
    const body = table.querySelector("tbody");
    if (st.kind === "end" && !body.childElementCount) fillRows(body, st.table || []);
  }

  // A line's text with every name of a box in the picture made a button (an inline one,
  // so a long name wraps with its line): hovering or focusing it outlines that box (and the
  // box's other mentions), clicking it or Enter opens it.
  function withNames(whole) {
    if (!nameRe) return [whole];
    // a rule from the table, "(d mul/dx = y)", names operands, not values: left as it is
    const rule = whole.search(/\s\(d [^]*\)\s*$/);
    const text = rule < 0 ? whole : whole.slice(0, rule);
    const out = [];
    let at = 0;
    for (const m of text.matchAll(nameRe)) {
      if (m.index > at) out.push(text.slice(at, m.index));
      const b = document.createElement("span");
      b.setAttribute("role", "button");
      b.tabIndex = 0;
      b.className = "name";
      b.dataset.node = boxesOf[m[0]][0];
      b.title = "outline " + m[0] + " in the picture; click for its details";
      b.textContent = m[0];
      out.push(b);
      at = m.index + m[0].length;
    }
    if (at < whole.length) out.push(whole.slice(at));
    return out;
  }

  // Outline the boxes ``key`` names (every value sharing its name) and its mentions.
  function link(key, on) {
    const info = model.nodes[key];
    const keys = info ? boxesOf[info.name] || [key] : [key];
    keys.forEach((k) => nodes[k] && nodes[k].g.classList.toggle("linked", on));
    document.querySelectorAll("#panel .name[role=button]").forEach((b) => {
      b.classList.toggle("linked", on && keys.includes(b.dataset.node));
    });
  }
  const panel = $("panel");
  const nameOf = (e) => e.target.closest && e.target.closest(".name[role=button]");
  const onName = (what, on) => panel.addEventListener(what, (e) => {
    const b = nameOf(e);
    if (b) link(b.dataset.node, on);
  });
  onName("mouseover", true);
  onName("mouseout", false);
  onName("focusin", true);
  onName("focusout", false);
  panel.addEventListener("click", (e) => {
    const b = nameOf(e);
    if (b) showDetail(b.dataset.node);
  });
  panel.addEventListener("keydown", (e) => {
    const b = nameOf(e);
    if (b && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      showDetail(b.dataset.node);
    }
  });

  // A row per value: its name (wrapped, at most three lines, the whole of it in the cell's
  // tooltip) and its numbers at their own width, never broken.
  function fillRows(body, rows) {
    body.replaceChildren(...rows.map((row) => {
      const tr = document.createElement("tr");
      row.forEach((cell, k) => {
        const td = document.createElement(k ? "td" : "th");
        if (k) {
          td.textContent = cell;
        } else {
          td.setAttribute("scope", "row");
          td.title = cell;
          const name = document.createElement("div");
          name.className = "name-cell";
          name.append(...(boxesOf[cell] ? withNames(cell) : [cell]));
          td.appendChild(name);
        }
        tr.appendChild(td);
      });
      return tr;
    }));
  }

  // -- what a click shows ---------------------------------------------------------------
  function showDetail(name) {
    const info = model.nodes[name];
    if (!info) return;
    detailOf = name;
    $("detail").hidden = false;
    const list = $("detail-list");
    const pairs = [];
    const members = $("detail-members");
    members.hidden = true;
    $("detail-local").replaceChildren();
    if (info.kind === "value") {
      $("detail-title").replaceChildren("Value ", ...withNames(info.name));
      const u = state.grads[name];
      pairs.push(["label", info.label || "(none)"], ["op", info.op], ["data", info.data]);
      pairs.push(["grad at this step", u ? u[1] : "not reached yet"]);
      pairs.push(["grad at the end", info.grad]);
      $("detail-local").replaceChildren(...(info.local.length ? info.local :
        ["a leaf: no local derivatives"]).map((line) => {
        const li = document.createElement("li");
        li.append(...withNames(line));
        return li;
      }));
    } else if (info.kind === "cut") {
      $("detail-title").textContent = "Values not drawn";
      pairs.push(["values", info.count.toLocaleString("en")]);
    } else {
      $("detail-title").textContent = "Box " + info.name + " (opened)";
      pairs.push(["kind", info.kind], ["values", info.count.toLocaleString("en")]);
      pairs.push(["parameters", info.parameters.toLocaleString("en")]);
      members.hidden = false;
      fillRows(members.querySelector("tbody"), info.members);
      if (info.members.length < info.count) {
        pairs.push(["listed", "the first " + info.members.length + " values"]);
      }
    }
    list.replaceChildren(...pairs.flatMap(([k, v]) => {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      return [dt, dd];
    }));
  }

  // -- controls -------------------------------------------------------------------------
  function go(s) {
    const next = Math.max(0, Math.min(last, s));
    if (next === current) return;
    current = next;
    paint();
  }
  // -- the picture's scale ----------------------------------------------------------------
  // "Fit to pane" scales the whole picture into the pane, but never so far that the boxes'
  // text is under READABLE px tall: past that it stays at that scale and scrolls.
  const READABLE = 10;
  const natural = svg.getBoundingClientRect();
  const naturalWidth = natural.width;
  const naturalHeight = natural.height;
  const viewBox = svg.viewBox && svg.viewBox.baseVal;
  const pxPerUnit = viewBox && viewBox.width ? naturalWidth / viewBox.width : 1;
  let smallest = Infinity;  // the boxes' smallest text at actual size, in px
  for (const [name, node] of Object.entries(nodes)) {
    if (!/^(v\d+|g\d+|legend)$/.test(name)) continue;
    node.textEls.forEach((t) => {
      const size = parseFloat(t.getAttribute("font-size") || "14");
      if (size > 0) smallest = Math.min(smallest, size * pxPerUnit);
    });
  }
  const readableScale = Math.min(1, smallest === Infinity ? 0 : 1.001 * READABLE / smallest);
  function paneSize() {
    const pane = $("graph");
    const style = getComputedStyle(pane);
    const padX = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    const padY = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
    // stacked under a narrow window the pane grows with the picture: fit it to the window
    const stacked = getComputedStyle(pane.parentElement).flexDirection === "column";
    const height = stacked ? window.innerHeight * 0.7 : pane.clientHeight;
    return { width: pane.clientWidth - padX - 2, height: height - padY - 2 };
  }
  function fitScale() {
    const pane = paneSize();
    return Math.min(1, pane.width / naturalWidth, pane.height / naturalHeight);
  }
  function setScale(scale) {
    svg.style.width = naturalWidth * scale + "px";
    svg.style.height = naturalHeight * scale + "px";
    svg.dataset.scale = String(scale);
  }
  let fitted = false;
  function setFit(on) {
    fitted = on;
    setScale(on ? Math.max(fitScale(), readableScale) : 1);
    svg.classList.toggle("fit", on);
    $("zoom").textContent = on ? "Actual size" : "Fit to pane";
    $("zoom").setAttribute("aria-pressed", on ? "true" : "false");
  }
  $("zoom").addEventListener("click", () => {
    setFit(!fitted);
    paint();
  });
  window.addEventListener("resize", () => { if (fitted) setFit(true); });
  $("close").addEventListener("click", () => {
    detailOf = null;
    $("detail").hidden = true;
  });
  // The first view: the whole picture if it fits at a readable scale, else actual size
  // (each step then scrolls to its nodes).
  const opening = fitScale();
  setFit(opening < 1 && opening >= readableScale);
  let timer = null;
  function setPlaying(on) {
    if (timer) clearInterval(timer);
    timer = null;
    if (on) {
      if (current === last) go(0);
      timer = setInterval(() => {
        if (current >= last) setPlaying(false);
        else go(current + 1);
      }, parseInt($("speed").value, 10));
    }
    $("play").textContent = on ? "\u2016 Pause" : "\u25B6 Play";
    $("play").setAttribute("aria-pressed", on ? "true" : "false");
  }
  $("home").addEventListener("click", () => go(0));
  $("prev").addEventListener("click", () => go(current - 1));
  $("next").addEventListener("click", () => go(current + 1));
  $("end").addEventListener("click", () => go(last));
  $("play").addEventListener("click", () => setPlaying(!timer));
  $("speed").addEventListener("change", () => { if (timer) setPlaying(true); });
  $("slider").addEventListener("input", () => go(parseInt($("slider").value, 10)));
  document.addEventListener("keydown", (e) => {
    const tag = e.target && e.target.tagName;
    // the slider and the speed menu handle their own arrow keys
    if (tag === "INPUT" || tag === "SELECT" || e.altKey || e.ctrlKey || e.metaKey) return;
    const moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: last };
    if (e.key in moves) {
      e.preventDefault();
      go(moves[e.key]);
    } else if (e.key === "p") {
      setPlaying(!timer);
    }
  });
  document.body.dataset.ready = "true";
  paint();
})();
