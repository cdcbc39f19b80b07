/* logitlens pages: theme toggle, index tag filter, and the interactive logit-lens widget.
   Plain JavaScript, no dependencies. The page's Content-Security-Policy forbids inline scripts, so all
   code lives here and the run's data is read from <script type="application/json" id="lens-data">. */
'use strict';
(() => {
  const SVGNS = 'http://www.w3.org/2000/svg';
  const $ = (sel, root = document) => root.querySelector(sel);

  /** Creates an element; attrs with a null value are skipped, 'text' sets textContent. */
  function h(tag, attrs = {}, ...kids) {
    const e = tag.startsWith('svg:') ? document.createElementNS(SVGNS, tag.slice(4)) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null) continue;
      if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
    }
    for (const kid of kids) if (kid != null) e.append(kid);
    return e;
  }

  /** Whitespace made visible; the same mapping as Tokens.display on the server. */
  function show(s) {
    if (s == null || s === '') return '\u2205';
    return s.replace(/ /g, '\u2423').replace(/\n/g, '\u21b5').replace(/\t/g, '\u21e5')
      .replace(/[\u0000-\u001f\u007f]/g, c => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'));
  }

  const pct = v => (isNaN(v) ? 'n/a' : v > 0 && v < 0.001 ? (v * 100).toFixed(3) + '%' : (v * 100).toFixed(1) + '%');

  /** Colour bucket q0..q9 of a strength in [0, 1]; the same as Heatmap.bucket on the server. */
  const bucket = t => 'q' + (t > 0 ? Math.min(9, Math.floor(t * 10)) : 0);

  function setHash(q) {
    const url = location.href.split('#')[0] + (q ? '#' + q : '');
    try { history.replaceState(null, '', url); } catch (e) { location.replace(url); }
  }

  // ---------------------------------------------------------------- theme
  function initTheme() {
    const root = document.documentElement;
    const btn = document.getElementById('theme-toggle');
    let saved = null;
    try { saved = localStorage.getItem('logitlens-theme'); } catch (e) { /* storage disabled */ }
    if (saved === 'dark' || saved === 'light') root.dataset.theme = saved;
    const mq = matchMedia('(prefers-color-scheme: dark)');
    const dark = () => (root.dataset.theme ? root.dataset.theme === 'dark' : mq.matches);
    const sync = () => {
      if (!btn) return;
      btn.setAttribute('aria-pressed', String(dark()));
      btn.textContent = dark() ? 'Dark mode: on' : 'Dark mode: off';
    };
    if (btn) {
      btn.addEventListener('click', () => {
        root.dataset.theme = dark() ? 'light' : 'dark';
        try { localStorage.setItem('logitlens-theme', root.dataset.theme); } catch (e) { /* not kept */ }
        sync();
      });
    }
    mq.addEventListener('change', sync);
    sync();
  }

  // ---------------------------------------------------------------- index filter
  function initFilter() {
    const bar = $('.tag-filter');
    if (!bar) return;
    const rows = [...document.querySelectorAll('tr.prompt-row')];
    const apply = (tag, record) => {
      if (![...bar.querySelectorAll('button')].some(b => b.dataset.tag === tag)) tag = '';
      for (const b of bar.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.tag === tag));
      for (const r of rows) {
        r.hidden = tag !== '' && ![...r.querySelectorAll('.tag')].some(t => t.dataset.tag === tag);
      }
      if (record) setHash(tag ? 'tag=' + encodeURIComponent(tag) : '');
    };
    bar.addEventListener('click', e => {
      const b = e.target.closest('button');
      if (b) apply(b.dataset.tag, true);
    });
    const fromHash = () => apply(new URLSearchParams(location.hash.slice(1)).get('tag') || '', false);
    window.addEventListener('hashchange', fromHash);
    fromHash();
  }

  // ---------------------------------------------------------------- widget
  function initLens() {
    const dataEl = document.getElementById('lens-data');
    const host = document.getElementById('lens');
    if (!dataEl || !host) return;
    // A model with a tuned lens embeds its data too; #lens=tuned shows it, #lens=diff colours by KL(tuned ‖ logit).
    const tunedEl = document.getElementById('lens-data-tuned');
    const lensOf = hash => new URLSearchParams(hash.replace(/^#/, '')).get('lens');
    const which = tunedEl && ['tuned', 'diff'].includes(lensOf(location.hash)) ? lensOf(location.hash) : 'logit';
    const D = JSON.parse((which === 'logit' ? dataEl : tunedEl).textContent);
    const L = D.layers.length, P = D.input.length, SCALE = D.probScale, M = D.metrics;
    const index = D.tracked.map(ids => new Map(ids.map((id, j) => [id, j])));
    const prob = (li, p, id) => {
      const j = index[p].get(id);
      const v = j === undefined ? null : D.probs[p][li][j];
      return v == null ? NaN : v / SCALE;
    };
    const tok = id => (Object.prototype.hasOwnProperty.call(D.vocab, id) ? D.vocab[id] : '#' + id);
    const maxOf = rows => rows.reduce((m, r) => r.reduce((a, v) => (v == null ? a : Math.max(a, v)), m), 0);
    const hMax = maxOf(M.entropy) || 1, klMax = maxOf(M.klToFinal) || 1;
    const rMax = Math.max(2, maxOf(M.finalTop1Rank));
    const nats = v => (v == null ? 'n/a' : v.toFixed(3) + ' nats');

    // Each mode maps a cell to a strength in [0, 1] (1 = strongest colour) and labels the scale's ends.
    const MODES = {
      prob: { t: (li, p) => prob(li, p, D.topk[li][p][0]), lo: '0', hi: '1 (top-1 probability)' },
      rank: { t: (li, p) => 1 - Math.log(M.finalTop1Rank[li][p]) / Math.log(rMax),
        lo: 'rank ' + rMax, hi: 'rank 1 (final answer on top; log scale)' },
      entropy: { t: (li, p) => (M.entropy[li][p] == null ? 0 : 1 - M.entropy[li][p] / hMax),
        lo: hMax.toFixed(2) + ' nats', hi: '0 nats entropy' },
      kl: { t: (li, p) => (M.klToFinal[li][p] == null ? 0 : 1 - M.klToFinal[li][p] / klMax),
        lo: klMax.toFixed(2) + ' nats', hi: '0 nats KL to final' },
    };
    if (M.klToLogitLens) {
      const dMax = maxOf(M.klToLogitLens) || 1;
      MODES.diff = { t: (li, p) => (M.klToLogitLens[li][p] == null ? 0 : M.klToLogitLens[li][p] / dMax),
        lo: '0 nats', hi: dMax.toFixed(2) + ' nats KL(tuned \u2016 logit)' };
    }
    const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
    const DASHES = [null, '7 4', '2 3', '10 3 2 3'];

    // The default view plots the final answer at the last position (the one the index and prompt pages
    // report), so a fresh page is never an empty chart.
    const FIN = D.finalTop1[P - 1];
    const defaultPins = () => (Object.prototype.hasOwnProperty.call(D.vocab, FIN) ? [[FIN]] : []);
    const pinText = pins => pins.map(g => g.join('_')).join(',');
    const defaults = () => ({ mode: which === 'diff' ? 'diff' : 'prob', cell: null, pins: defaultPins(), pos: [P - 1] });
    let st = defaults();
    const size = { tok: 120, cell: 66, chart: 260 };
    let focus = [L - 1, P - 1];
    let cols = [];

    const gridWrap = $('.lens-grid-wrap', host);
    const chartWrap = $('.lens-chart-wrap', host);
    const chart = $('.lens-chart', host);
    const legend = $('.lens-legend', host);
    const popup = $('.lens-popup', host);
    const modeSel = $('#lens-mode', host);
    const status = $('#lens-status', host);

    // ---- URL hash: mode=kl&cell=LI,P&pin=ID_ID,ID&pos=P,P (layer and position indices, token ids).
    // Like every key, pin is left out when it equals the default; so "nothing pinned" is an explicit `pin=`.
    const encode = () => {
      const q = [];
      if (which !== 'logit') q.push('lens=' + which);
      if (st.mode !== defaults().mode) q.push('mode=' + st.mode);
      if (st.cell) q.push('cell=' + st.cell.join(','));
      if (pinText(st.pins) !== pinText(defaultPins())) q.push('pin=' + pinText(st.pins));
      if (!(st.pos.length === 1 && st.pos[0] === P - 1)) q.push('pos=' + st.pos.join(','));
      return q.join('&');
    };
    const decode = hash => {
      const q = new URLSearchParams(hash.replace(/^#/, ''));
      const s = defaults();
      const nat = (v, n) => (/^\d+$/.test(v) && Number(v) < n ? Number(v) : null);
      if (Object.prototype.hasOwnProperty.call(MODES, q.get('mode'))) s.mode = q.get('mode');
      const c = (q.get('cell') || '').split(',');
      if (c.length === 2 && nat(c[0], L) !== null && nat(c[1], P) !== null) s.cell = [nat(c[0], L), nat(c[1], P)];
      if (q.has('pin')) {
        s.pins = q.get('pin').split(',')
          .map(g => [...new Set(g.split('_').filter(x => /^\d+$/.test(x)).map(Number).filter(id => Object.prototype.hasOwnProperty.call(D.vocab, id)))])
          .filter(g => g.length);
      }
      if (q.has('pos')) {
        s.pos = [...new Set(q.get('pos').split(',').map(v => nat(v, P)).filter(v => v !== null))];
      }
      return s;
    };
    const commit = () => setHash(encode());

    // ---- grid
    /** Layer indices that fit: a stride counted back from the last layer (Heatmap.strideColumns). */
    function visibleCols() {
      const avail = (gridWrap.clientWidth || 800) - size.tok - 64;
      const n = Math.max(2, Math.floor(avail / size.cell));
      if (L <= n) return [...Array(L).keys()];
      const stride = Math.ceil((L - 1) / (n - 1));
      const out = [];
      for (let li = L - 1; li >= 0; li -= stride) out.unshift(li);
      return out;
    }

    /** The visible column standing for layer index li (the first visible at or after it). */
    const colFor = li => cols.find(c => c >= li) ?? cols[cols.length - 1];

    function cellLabel(li, p) {
      const top = D.topk[li][p][0];
      let s = `layer ${D.layers[li]}, after ${show(D.input[p])}: top-1 ${show(tok(top))} ${pct(prob(li, p, top))}`;
      if (st.mode === 'rank') s += `, final answer rank ${M.finalTop1Rank[li][p]}`;
      if (st.mode === 'entropy') s += `, entropy ${nats(M.entropy[li][p])}`;
      if (st.mode === 'kl') s += `, KL to final ${nats(M.klToFinal[li][p])}`;
      if (D.settle[p] >= 0 && colFor(D.settle[p]) === li) s += `, final answer settles at layer ${D.layers[D.settle[p]]}`;
      return s;
    }

    function buildGrid() {
      cols = visibleCols();
      if (!cols.includes(focus[0])) focus = [colFor(focus[0]), focus[1]];
      const mode = MODES[st.mode];
      const table = h('table', { class: 'lens-grid', role: 'grid',
        'aria-label': `Top-1 token per position (rows) and layer (columns) for ${D.model}` });
      const colgroup = h('colgroup');
      colgroup.append(h('col', { class: 'c-tok' }));
      for (let i = 0; i < cols.length; i++) colgroup.append(h('col', { class: 'c-layer' }));
      colgroup.append(h('col', { class: 'c-settle' }));
      table.append(colgroup);
      const head = h('tr', {}, h('th', { scope: 'col', text: 'input' },
        h('span', { class: 'rz rz-tok', role: 'separator', 'aria-orientation': 'vertical', 'aria-label': 'Resize the token column', tabindex: '0' })));
      cols.forEach((li, i) => {
        head.append(h('th', { scope: 'col', class: li === L - 1 ? 'fin' : null, title: li === L - 1 ? 'last layer' : null,
          text: (li === L - 1 ? 'L' : '') + D.layers[li] },
        h('span', { class: 'rz rz-cell', role: 'separator', 'aria-orientation': 'vertical', 'aria-label': 'Resize the cells', tabindex: i === 0 ? '0' : '-1' })));
      });
      head.append(h('th', { scope: 'col', text: 'settles', title: 'first layer from which the final answer stays top-1' }));
      const tbody = h('tbody');
      for (let p = 0; p < P; p++) {
        const row = h('tr', { 'data-p': p });
        row.append(h('th', { scope: 'row' }, h('button', { type: 'button', class: 'in-tok', 'data-p': p,
          'aria-pressed': String(st.pos.includes(p)), title: `${show(D.input[p])} (position ${p}): click to compare in the chart`,
          text: show(D.input[p]) })));
        const settleCol = D.settle[p] >= 0 ? colFor(D.settle[p]) : -1;
        for (const li of cols) {
          const top = D.topk[li][p][0];
          const cls = ['cell', bucket(mode.t(li, p))];
          if (top === D.finalTop1[p]) cls.push('ans');
          if (li === L - 1) cls.push('fin');
          if (li === settleCol) cls.push('set');
          if (st.cell && st.cell[0] === li && st.cell[1] === p) cls.push('sel');
          row.append(h('td', { role: 'gridcell', class: cls.join(' '), 'data-li': li, 'data-p': p,
            tabindex: li === focus[0] && p === focus[1] ? '0' : '-1', 'aria-label': cellLabel(li, p),
            text: show(tok(top)) }));
        }
        row.append(h('td', { class: 'settle-col', text: D.settle[p] >= 0 ? 'L' + D.layers[D.settle[p]] : '\u2014',
          title: D.settle[p] >= 0 ? `${show(tok(D.finalTop1[p]))} is top-1 from layer ${D.layers[D.settle[p]]} on` : 'the final answer is not top-1 at the last lensed layer' }));
        tbody.append(row);
      }
      table.append(h('thead', {}, head), tbody);
      const widths = [size.tok, ...cols.map(() => size.cell), 64];
      [...colgroup.children].forEach((c, i) => { c.style.width = widths[i] + 'px'; });
      table.style.width = widths.reduce((a, b) => a + b, 0) + 'px';
      const hadFocus = gridWrap.contains(document.activeElement) && document.activeElement.matches('td.cell');
      gridWrap.replaceChildren(table);
      if (hadFocus) cellEl(focus[0], focus[1])?.focus();
      $('.lo', host).textContent = mode.lo;
      $('.hi', host).textContent = mode.hi;
    }

    const cellEl = (li, p) => $(`td.cell[data-li="${li}"][data-p="${p}"]`, gridWrap);

    function moveFocus(li, p) {
      const old = cellEl(focus[0], focus[1]);
      if (old) old.tabIndex = -1;
      focus = [li, p];
      const c = cellEl(li, p);
      if (c) { c.tabIndex = 0; c.focus(); }
    }

    // ---- popup with the cell's top-k
    // The gallery's expect/compare groups are measured at the last position only (where they are predicted).
    function answersMeta(li, p) {
      if (!D.answers || p !== P - 1) return [];
      return [h('div', { class: 'pop-meta pop-answers', text: D.answers.map(a =>
        `${a.label}: ${a.ids.length ? `${pct(a.prob[li] / SCALE)}, rank ${a.rank[li]}` : 'no token'}`).join(' \u00b7 ') })];
    }

    function renderPopup(moveIn) {
      if (!st.cell) { popup.hidden = true; return; }
      const [li, p] = st.cell;
      const pinned = new Set(st.pins.flat());
      const list = h('ol', { class: 'pop-list' });
      for (const id of D.topk[li][p]) {
        const v = prob(li, p, id);
        const bar = h('i');
        bar.style.width = (isNaN(v) ? 0 : v * 100).toFixed(1) + '%';
        list.append(h('li', {}, h('button', { type: 'button', class: 'pop-tok', 'data-id': id, 'aria-pressed': String(pinned.has(id)),
          'aria-label': `${show(tok(id))} ${pct(v)}: ${pinned.has(id) ? 'unpin' : 'pin'}` },
        h('span', { class: 'pt', text: show(tok(id)) }), h('span', { class: 'pb' }, bar), h('span', { class: 'pp', text: pct(v) }))));
      }
      const fin = D.finalTop1[p];
      popup.replaceChildren(
        h('div', { class: 'pop-head' }, h('strong', { text: `Layer ${D.layers[li]} \u00b7 after ${show(D.input[p])}` }),
          h('button', { type: 'button', class: 'pop-x', 'aria-label': 'Close', text: '\u00d7' })),
        h('div', { class: 'pop-meta', text: `entropy ${nats(M.entropy[li][p])} \u00b7 KL to final ${nats(M.klToFinal[li][p])} \u00b7 final answer ${show(tok(fin))}: rank ${M.finalTop1Rank[li][p]}, ${pct(M.finalTop1Prob[li][p] / SCALE)}` }),
        ...answersMeta(li, p),
        list,
        h('p', { class: 'pop-hint', text: 'Click a token to pin its trajectory; Shift+click adds it to the last pinned group.' }));
      popup.setAttribute('aria-label', `Top-${D.k} tokens at layer ${D.layers[li]}, position ${p}`);
      popup.hidden = false;
      const anchor = cellEl(colFor(li), p);
      if (anchor) {
        const hr = host.getBoundingClientRect(), cr = anchor.getBoundingClientRect();
        const left = Math.max(0, Math.min(cr.left - hr.left, host.clientWidth - popup.offsetWidth));
        popup.style.left = left + 'px';
        popup.style.top = (cr.bottom - hr.top + 4) + 'px';
      }
      if (moveIn) $('.pop-tok', popup)?.focus();
    }

    function openCell(li, p, moveIn) {
      st.cell = [li, p];
      $('td.sel', gridWrap)?.classList.remove('sel');
      cellEl(colFor(li), p)?.classList.add('sel');
      renderPopup(moveIn);
      renderChart();
      commit();
    }

    function closePopup() {
      if (!st.cell) return;
      const [li, p] = st.cell;
      const wasInside = popup.contains(document.activeElement);
      st.cell = null;
      popup.hidden = true;
      $('td.sel', gridWrap)?.classList.remove('sel');
      renderChart();
      commit();
      if (wasInside) moveFocus(colFor(li), p);
    }

    function togglePin(id, p, toGroup) {
      const where = st.pins.findIndex(g => g.includes(id));
      if (toGroup && st.pins.length && where !== st.pins.length - 1) {
        if (where >= 0) st.pins[where] = st.pins[where].filter(x => x !== id);
        st.pins[st.pins.length - 1].push(id);
      } else if (where >= 0) {
        st.pins[where] = st.pins[where].filter(x => x !== id);
      } else {
        st.pins.push([id]);
      }
      st.pins = st.pins.filter(g => g.length);
      if (where < 0 && !st.pos.includes(p)) st.pos.push(p);
      renderPopup(false);
      syncPositions();
      renderChart();
      commit();
    }

    function togglePos(p) {
      st.pos = st.pos.includes(p) ? st.pos.filter(x => x !== p) : [...st.pos, p];
      syncPositions();
      renderChart();
      commit();
    }

    const syncPositions = () => {
      for (const b of gridWrap.querySelectorAll('.in-tok')) b.setAttribute('aria-pressed', String(st.pos.includes(Number(b.dataset.p))));
    };

    // ---- chart
    function renderChart() {
      const W = Math.max(300, chartWrap.clientWidth || 600), H = size.chart;
      const m = { l: 46, r: 14, t: 12, b: 34 };
      const x = li => m.l + (L === 1 ? 0.5 : li / (L - 1)) * (W - m.l - m.r);
      const y = v => m.t + (1 - v) * (H - m.t - m.b);
      chart.setAttribute('viewBox', `0 0 ${W} ${H}`);
      chart.setAttribute('width', W);
      chart.setAttribute('height', H);
      const parts = [];
      for (const v of [0, 0.25, 0.5, 0.75, 1]) {
        parts.push(h('svg:line', { x1: m.l, x2: W - m.r, y1: y(v), y2: y(v), stroke: 'currentColor', 'stroke-opacity': v === 0 ? 0.5 : 0.15 }));
        parts.push(h('svg:text', { x: m.l - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11, fill: 'currentColor', text: v }));
      }
      const step = Math.max(1, Math.ceil(L / Math.max(1, Math.floor((W - m.l - m.r) / 34))));
      for (let li = L - 1; li >= 0; li -= step) {
        parts.push(h('svg:text', { x: x(li), y: H - m.b + 15, 'text-anchor': 'middle', 'font-size': 11, fill: 'currentColor', text: D.layers[li] }));
      }
      parts.push(h('svg:text', { x: (m.l + W - m.r) / 2, y: H - 4, 'text-anchor': 'middle', 'font-size': 11, fill: 'currentColor', text: 'layer' }));
      parts.push(h('svg:text', { x: 12, y: (m.t + H - m.b) / 2, 'text-anchor': 'middle', 'font-size': 11, fill: 'currentColor',
        transform: `rotate(-90 12 ${(m.t + H - m.b) / 2})`, text: 'probability' }));
      if (st.cell) {
        parts.push(h('svg:line', { x1: x(st.cell[0]), x2: x(st.cell[0]), y1: m.t, y2: H - m.b, stroke: 'currentColor', 'stroke-opacity': 0.35, 'stroke-dasharray': '3 3' }));
      }
      const items = [];
      let drawn = 0;
      st.pins.forEach((g, gi) => {
        const colour = PALETTE[gi % PALETTE.length];
        st.pos.forEach((p, pi) => {
          const ids = g.filter(id => index[p].has(id));
          const name = `${g.map(id => show(tok(id))).join(' + ')} after ${show(D.input[p])}`;
          if (!ids.length) return;
          const pts = [];
          for (let li = 0; li < L; li++) {
            const v = ids.reduce((a, id) => a + (prob(li, p, id) || 0), 0);
            pts.push(`${x(li).toFixed(1)},${y(Math.min(1, v)).toFixed(1)}`);
          }
          const line = h('svg:polyline', { points: pts.join(' '), fill: 'none', stroke: colour, 'stroke-width': 2,
            'stroke-dasharray': DASHES[pi % DASHES.length], class: 'series', 'data-group': gi, 'data-p': p },
          h('svg:title', { text: name }));
          parts.push(line);
          if (L <= 64) {
            for (const pt of pts) {
              const [cx, cy] = pt.split(',');
              parts.push(h('svg:circle', { cx, cy, r: 2.5, fill: colour }));
            }
          }
          drawn++;
        });
        const sw = h('span', { class: 'sw' });
        sw.style.cssText = `display:inline-block;width:12px;height:12px;border-radius:2px;background:${colour}`;
        items.push(h('span', { class: 'item' }, sw, h('span', { text: g.map(id => show(tok(id))).join(' + ') }),
          h('button', { type: 'button', class: 'x', 'data-unpin': gi, 'aria-label': `Unpin ${g.map(id => show(tok(id))).join(' + ')}`, text: '\u00d7' })));
      });
      // Position line styles only mean something once a token is pinned.
      if (st.pins.length) st.pos.forEach((p, pi) => {
        const sample = h('svg:svg', { viewBox: '0 0 26 8', 'aria-hidden': 'true' },
          h('svg:line', { x1: 0, x2: 26, y1: 4, y2: 4, stroke: 'currentColor', 'stroke-width': 2, 'stroke-dasharray': DASHES[pi % DASHES.length] }));
        items.push(h('span', { class: 'item' }, sample, h('span', { text: `after ${show(D.input[p])} (${p})` }),
          h('button', { type: 'button', class: 'x', 'data-unpos': p, 'aria-label': `Remove position ${p} from the chart`, text: '\u00d7' })));
      });
      if (!drawn) {
        // Two short lines centred on the plot area, so the hint fits a phone-width chart.
        const msg = st.pins.length ? ['Pinned tokens were never in the top-k', 'at the chosen positions.']
          : ['Click a cell, then a token in its list,', 'to plot its probability across layers.'];
        msg.forEach((line, i) => parts.push(h('svg:text', { x: (m.l + W - m.r) / 2, y: (m.t + H - m.b) / 2 - 2 + i * 17,
          'text-anchor': 'middle', 'font-size': 13, fill: 'currentColor', 'fill-opacity': 0.6, text: line })));
      }
      chart.replaceChildren(...parts);
      legend.replaceChildren(...items);
    }

    function exportSvg() {
      const clone = chart.cloneNode(true);
      clone.setAttribute('xmlns', SVGNS);
      clone.setAttribute('color', '#1c1e21');
      clone.insertBefore(h('svg:rect', { width: '100%', height: '100%', fill: '#ffffff' }), clone.firstChild);
      const blob = new Blob([new XMLSerializer().serializeToString(clone)], { type: 'image/svg+xml' });
      const a = h('a', { href: URL.createObjectURL(blob), download: `${D.modelId}-${D.promptId}-chart.svg` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    }

    // ---- resizing: drag any .rz edge, or focus it and use the arrow keys
    const resize = (kind, delta) => {
      if (kind === 'tok') size.tok = Math.max(40, Math.min(400, size.tok + delta));
      if (kind === 'cell') size.cell = Math.max(28, Math.min(240, size.cell + delta));
      if (kind === 'chart') size.chart = Math.max(140, Math.min(900, size.chart + delta));
      schedule(kind === 'chart' ? renderChart : buildGrid);
    };
    const rzKind = el => (el.classList.contains('rz-tok') ? 'tok' : el.classList.contains('rz-cell') ? 'cell' : 'chart');
    let pending = null;
    const schedule = fn => {
      if (pending) return;
      pending = requestAnimationFrame(() => { pending = null; fn(); if (fn === buildGrid && st.cell) renderPopup(false); });
    };

    host.addEventListener('pointerdown', e => {
      const rz = e.target.closest('.rz');
      if (!rz) return;
      e.preventDefault();
      const kind = rzKind(rz);
      let last = kind === 'chart' ? e.clientY : e.clientX;
      const move = ev => {
        const now = kind === 'chart' ? ev.clientY : ev.clientX;
        resize(kind, now - last);
        last = now;
      };
      const up = () => { window.removeEventListener('pointermove', move); window.removeEventListener('pointerup', up); };
      window.addEventListener('pointermove', move);
      window.addEventListener('pointerup', up);
    });

    host.addEventListener('click', e => {
      const t = e.target;
      const cell = t.closest('td.cell');
      if (cell) { moveFocus(+cell.dataset.li, +cell.dataset.p); openCell(+cell.dataset.li, +cell.dataset.p, false); return; }
      const inTok = t.closest('.in-tok');
      if (inTok) { togglePos(+inTok.dataset.p); return; }
      const pt = t.closest('.pop-tok');
      if (pt && st.cell) { togglePin(+pt.dataset.id, st.cell[1], e.shiftKey); $(`.pop-tok[data-id="${pt.dataset.id}"]`, popup)?.focus(); return; }
      if (t.closest('.pop-x')) { closePopup(); return; }
      const x = t.closest('.lens-legend .x');
      if (x && x.dataset.unpin != null) { st.pins.splice(+x.dataset.unpin, 1); renderPopup(false); renderChart(); commit(); return; }
      if (x && x.dataset.unpos != null) { togglePos(+x.dataset.unpos); }
    });

    document.addEventListener('click', e => {
      // composedPath, not contains(): the clicked node may already be replaced by a re-render.
      if (st.cell && !e.composedPath().includes(host)) closePopup();
    });

    host.addEventListener('keydown', e => {
      const t = e.target;
      if (t.classList.contains('rz') && (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
        e.preventDefault();
        resize(rzKind(t), e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -8 : 8);
        return;
      }
      if (e.key === 'Escape' && st.cell) { e.preventDefault(); closePopup(); if (t.matches('td.cell')) t.focus(); return; }
      if (popup.contains(t) && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
        const btns = [...popup.querySelectorAll('.pop-tok')];
        const i = btns.indexOf(t);
        if (i >= 0) { e.preventDefault(); btns[Math.max(0, Math.min(btns.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1)))].focus(); }
        return;
      }
      if (!t.matches('td.cell')) return;
      let ci = cols.indexOf(+t.dataset.li), p = +t.dataset.p;
      switch (e.key) {
        case 'ArrowLeft': ci--; break;
        case 'ArrowRight': ci++; break;
        case 'ArrowUp': p--; break;
        case 'ArrowDown': p++; break;
        case 'Home': ci = 0; break;
        case 'End': ci = cols.length - 1; break;
        case 'Enter': case ' ': e.preventDefault(); openCell(+t.dataset.li, p, true); return;
        default: return;
      }
      e.preventDefault();
      moveFocus(cols[Math.max(0, Math.min(cols.length - 1, ci))], Math.max(0, Math.min(P - 1, p)));
    });

    modeSel.addEventListener('change', () => {
      st.mode = Object.prototype.hasOwnProperty.call(MODES, modeSel.value) ? modeSel.value : 'prob';
      buildGrid();
      commit();
    });

    $('#lens-copy', host).addEventListener('click', () => {
      commit(); // canonical form of what is shown, whatever hash the page was opened with
      const url = location.href;
      const done = ok => { status.textContent = ok ? 'Link copied.' : 'Copy this link: ' + url; };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(url).then(() => done(true), () => done(false));
      else done(false);
    });
    $('#lens-svg', host).addEventListener('click', exportSvg);

    function applyState(s) {
      st = s;
      modeSel.value = st.mode;
      if (st.cell) focus = [st.cell[0], st.cell[1]];
      buildGrid();
      if (st.cell) cellEl(colFor(st.cell[0]), st.cell[1])?.classList.add('sel');
      renderPopup(false);
      renderChart();
    }
    window.addEventListener('hashchange', () => {
      const next = tunedEl && ['tuned', 'diff'].includes(lensOf(location.hash)) ? lensOf(location.hash) : 'logit';
      if (next !== which) location.reload(); else applyState(decode(location.hash));
    });
    const whichSel = document.getElementById('lens-which');
    if (whichSel && tunedEl) {
      whichSel.value = which;
      whichSel.addEventListener('change', () => {
        location.replace(location.href.split('#')[0] + (whichSel.value === 'logit' ? '#' : '#lens=' + whichSel.value));
        location.reload();
      });
    }
    if (MODES.diff) modeSel.append(h('option', { value: 'diff', text: 'KL between tuned and logit lens' }));
    window.addEventListener('resize', () => schedule(() => { buildGrid(); renderChart(); }));
    applyState(decode(location.hash));
    host.dataset.ready = 'true'; // lets tests wait for the widget
  }

  const start = () => { initTheme(); initFilter(); initLens(); };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
