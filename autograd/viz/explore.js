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
    node.g.querySelector("title").textContent = info.name;
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
    for (const [k, label, line] of st.edges || []) {
      const e = edges[k];
      if (!e || !e.g) continue;
      e.g.classList.add("active");
      e.g.classList.toggle("many", !label);
      if (label) addEdgeLabel(e.g, label, line, placed);
    }
    paintPanel(st);
    if (detailOf) showDetail(detailOf);
    $("slider").value = String(current);
    $("counter").textContent = current + " / " + last;
    $("prev").disabled = $("home").disabled = current === 0;
    $("next").disabled = $("end").disabled = current === last;
    if (!fitted && here.length && nodes[here[0]].g.scrollIntoView) {
      // centred: the operands the step writes to lie beside it
      nodes[here[0]].g.scrollIntoView({ block: "center", inline: "center" });
    }
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

  // A label sits on its edge a third of the way from the operand, moved down out of the
  // way of the labels already placed (two operands' edges often run side by side).
  function addEdgeLabel(edgeG, label, line, placed) {
    const path = edgeG.querySelector("path");
    if (!path || !path.getTotalLength) return;
    const at = path.getPointAtLength(path.getTotalLength() * 0.35);
    const g = document.createElementNS(SVGNS, "g");
    g.setAttribute("class", "edge-label");
    const title = document.createElementNS(SVGNS, "title");
    title.textContent = line;
    const text = document.createElementNS(SVGNS, "text");
    text.setAttribute("text-anchor", "middle");
    text.textContent = label;
    const rect = document.createElementNS(SVGNS, "rect");
    g.append(title, rect, text);
    graphLayer.appendChild(g);
    let y = at.y - 6;
    text.setAttribute("x", String(at.x));
    text.setAttribute("y", String(y));
    let box = text.getBBox();
    for (let tries = 0; tries < 20 && placed.some((b) => overlap(b, box)); tries++) {
      y += box.height + 3;
      text.setAttribute("y", String(y));
      box = text.getBBox();
    }
    placed.push(box);
    rect.setAttribute("x", String(box.x - 3));
    rect.setAttribute("y", String(box.y - 1));
    rect.setAttribute("width", String(box.width + 6));
    rect.setAttribute("height", String(box.height + 2));
  }
  const overlap = (a, b) => a.x < b.x + b.width + 6 && b.x < a.x + a.width + 6 &&
    a.y < b.y + b.height + 2 && b.y < a.y + a.height + 2;

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
      li.textContent = line;
      return li;
    }));
    const table = $("final");
    table.hidden = st.kind !== "end";
    const body = table.querySelector("tbody");
    if (st.kind === "end" && !body.childElementCount) fillRows(body, st.table || []);
  }

  function fillRows(body, rows) {
    body.replaceChildren(...rows.map((row) => {
      const tr = document.createElement("tr");
      row.forEach((cell, k) => {
        const td = document.createElement(k ? "td" : "th");
        if (!k) td.setAttribute("scope", "row");
        td.textContent = cell;
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
      $("detail-title").textContent = "Value " + info.name;
      const u = state.grads[name];
      pairs.push(["label", info.label || "(none)"], ["op", info.op], ["data", info.data]);
      pairs.push(["grad at this step", u ? u[1] : "not reached yet"]);
      pairs.push(["grad at the end", info.grad]);
      $("detail-local").replaceChildren(...(info.local.length ? info.local :
        ["a leaf: no local derivatives"]).map((line) => {
        const li = document.createElement("li");
        li.textContent = line;
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
  // Fit the picture to its pane while its text stays readable; else actual size, scrolled.
  let fitted = false;
  function setFit(on) {
    fitted = on;
    svg.classList.toggle("fit", on);
    $("zoom").textContent = on ? "Actual size" : "Fit to pane";
    $("zoom").setAttribute("aria-pressed", on ? "true" : "false");
  }
  $("zoom").addEventListener("click", () => setFit(!fitted));
  $("close").addEventListener("click", () => {
    detailOf = null;
    $("detail").hidden = true;
  });
  const pane = $("graph").clientWidth - 16;
  const natural = svg.getBoundingClientRect().width;
  setFit(natural > pane && pane / natural >= 0.6);
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
