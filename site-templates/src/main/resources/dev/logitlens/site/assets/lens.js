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

  /** Characters that would render invisibly or reorder the cell's text: C0/C1 controls, soft hyphen,
   *  zero-width and bidi controls, line/paragraph separators, BOM. Tokens.INVISIBLE on the server. */
  const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;

  /** Whitespace made visible, invisibles spelled out; the same mapping as Tokens.display on the server. */
  function show(s) {
    if (s == null || s === '') return '\u2205';
    return s.replace(/ /g, '\u2423').replace(/\n/g, '\u21b5').replace(/\t/g, '\u21e5').replace(INVISIBLE, c => {
      const n = c.charCodeAt(0);
      return n < 0x100 ? '\\x' + n.toString(16).padStart(2, '0') : '\\u' + n.toString(16).padStart(4, '0');
    });
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
  const own = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
  const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
  const DASHES = [null, '7 4', '2 3', '10 3 2 3'];
  const PREVIEW = '#8a8f98';
  const SETTLE_W = 64;
  const MODE_NAMES = [['prob', 'probability of top-1'], ['rank', 'rank of the final answer'], ['entropy', 'entropy'],
    ['kl', 'KL to the final layer']];
  const pct3 = v => (isNaN(v) ? 'n/a' : (v * 100).toFixed(3) + '%');

  /** Saves a blob under a name. Blob URLs are same-origin, so `download` is honoured even from file://. */
  function saveBlob(blob, name) {
    const a = h('a', { href: URL.createObjectURL(blob), download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }

  /** The seed's V2 document rebuilt from the page's data: tracked keyed by string (the last id wins, as in
   *  the seed), probabilities at V2's precision of 1e-5, which is exactly the page's. */
  function v2Of(D) {
    const tok = id => (own(D.vocab, id) ? D.vocab[id] : '#' + id);
    return {
      meta: { version: 2, model: D.model },
      input: D.input,
      layers: D.layers,
      topk: D.topk.map(layer => layer.map(cell => cell.map(tok))),
      tracked: D.tracked.map((ids, p) => {
        const o = {};
        ids.forEach((id, j) => { o[tok(id)] = D.probs[p].map(row => (row[j] == null ? null : row[j] / D.probScale)); });
        return o;
      }),
    };
  }

  /** The smallest of 1, 2, 2.5, 5 × 10^n at or above v (at most 1): the chart's top in linear mode. */
  function niceMax(v) {
    if (!(v > 0)) return 1;
    const e = Math.floor(Math.log10(v));
    for (const k of [1, 2, 2.5, 5, 10]) {
      const c = +(k * 10 ** e).toPrecision(3);
      if (c >= v * (1 - 1e-9)) return Math.min(1, c);
    }
    return 1;
  }
  const tickText = v => (v === 0 ? '0' : +(v * 100).toPrecision(3) + '%');

  /**
   * One lens widget on `host` for the run data `D`. opt.hash: the widget keeps its view in the URL hash (the
   * run page). opt.fit: the layer columns share the grid's width, so stacked widgets line up by relative
   * depth. opt.onChange / opt.onPreview: told when pins, positions or the hover preview change, for pages
   * that link several widgets. Returns the widget's handle.
   */
  function createLens(host, D, opt = {}) {
    const L = D.layers.length, P = D.input.length, SCALE = D.probScale, M = D.metrics;
    const q = sel => host.querySelector(sel);
    const gone = new AbortController(); // removes the window and document listeners with the widget
    const index = D.tracked.map(ids => new Map(ids.map((id, j) => [id, j])));
    const prob = (li, p, id) => {
      const j = index[p].get(id);
      const v = j === undefined ? null : D.probs[p][li][j];
      return v == null ? NaN : v / SCALE;
    };
    const sumProb = (ids, li, p) => ids.reduce((a, id) => a + (prob(li, p, id) || 0), 0);
    const tok = id => (own(D.vocab, id) ? D.vocab[id] : '#' + id);
    const maxOf = rows => rows.reduce((m, r) => r.reduce((a, v) => (v == null ? a : Math.max(a, v)), m), 0);
    const hMax = maxOf(M.entropy) || 1, klMax = maxOf(M.klToFinal) || 1;
    const rMax = Math.max(2, maxOf(M.finalTop1Rank));
    const nats = v => (v == null ? 'n/a' : v.toFixed(3) + ' nats');
    const names = ids => ids.map(id => show(tok(id))).join(' + ');
    const groupName = g => [names(g.ids), ...(g.miss || []).map(show)].filter(x => x).join(' + ');
    // For linking by string: the first id of each token string, and where each input token ends.
    const byStr = new Map();
    for (const id of Object.keys(D.vocab)) if (!byStr.has(D.vocab[id])) byStr.set(D.vocab[id], Number(id));
    const text = D.input.join('');
    const ends = [];
    D.input.reduce((n, s, p) => (ends[p] = n + s.length), 0);

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
    // A strings-only (V2) import has no ranks, entropies or KLs: those modes do not exist for it.
    const LACKS = new Set(D.lacks || []);
    LACKS.forEach(m => delete MODES[m]);
    /** Ids of a `pin:ID_ID` mode (colour by a token or group's probability), or null. */
    const modeIds = mode => {
      const m = /^pin:(\d+(?:_\d+)*)$/.exec(mode || '');
      const ids = m ? [...new Set(m[1].split('_').map(Number))] : [];
      return ids.length && ids.every(id => own(D.vocab, id)) ? ids : null;
    };
    /** The mode's colour scale; a token's probability is scaled to its largest value in the run. */
    const modeOf = mode => {
      const ids = modeIds(mode);
      if (!ids) return MODES[mode] || MODES.prob;
      let max = 0;
      for (let li = 0; li < L; li++) for (let p = 0; p < P; p++) max = Math.max(max, sumProb(ids, li, p));
      return { t: (li, p) => (max > 0 ? sumProb(ids, li, p) / max : 0), lo: '0', hi: `${pct(max)} (${names(ids)}; its largest)` };
    };
    const validMode = mode => own(MODES, mode) || modeIds(mode) !== null;

    // The default view plots the final answer at the last position (the one the index and prompt pages
    // report), so a fresh page is never an empty chart.
    const FIN = D.finalTop1[P - 1];
    const defaultPins = () => (own(D.vocab, FIN) ? [{ ids: [FIN], c: 0 }] : []);
    // A group's colour slot is written only where it differs from its place in the list (the default).
    const pinText = pins => pins.map((g, i) => g.ids.join('_') + (g.c === i % PALETTE.length ? '' : '~' + g.c)).join(',');
    // opt.lens: which lens the run page shows ('logit', 'tuned' or 'diff', which colours by their KL).
    const which = opt.lens || 'logit';
    const defaults = () => ({ mode: which === 'diff' ? 'diff' : 'prob', cell: null, pins: defaultPins(), pos: [P - 1], y: 'lin', zoom: null });
    let st = defaults();
    const size = { tok: 120, cell: 66, chart: 260 };
    let focus = [L - 1, P - 1];
    let cols = [];
    let cw = size.cell; // the layer columns' width as drawn
    let hov = null; // the layer whose exact values are read out (pointer or keyboard)
    let preview = null; // [{ids, p, c}] drawn dashed while the pointer is over a cell, popup row or input token
    let drag = null; // a zoom drag across the chart: {x0, x1}
    let xAt = null; // the chart's layer-to-x mapping as last drawn

    const gridWrap = q('.lens-grid-wrap');
    const chartWrap = q('.lens-chart-wrap');
    const chart = q('.lens-chart');
    const legend = q('.lens-legend');
    const popup = q('.lens-popup');
    const modeSel = q('.lens-mode');
    const ySel = q('.lens-y');
    const status = q('.lens-status');
    const readout = h('div', { class: 'lens-readout', role: 'status' });
    const zoomBar = h('div', { class: 'lens-zoom', hidden: '' });
    legend.after(readout, zoomBar);
    chart.setAttribute('tabindex', '0');
    chart.setAttribute('aria-label', 'Probability of the pinned tokens across layers. Arrow keys read the values'
      + ' layer by layer; + and - zoom the layer axis, 0 shows all layers.');
    const say = msg => { if (status) status.textContent = msg; };

    // ---- URL hash: mode=kl&cell=LI,P&pin=ID_ID~C,ID&pos=P,P&y=log&zoom=LO-HI (layer and position
    // indices, token ids, colour slots). Every key is left out when it equals the default; so "nothing
    // pinned" is an explicit `pin=`.
    const encode = () => {
      const out = [];
      if (which !== 'logit') out.push('lens=' + which);
      if (st.mode !== defaults().mode) out.push('mode=' + st.mode);
      if (st.cell) out.push('cell=' + st.cell.join(','));
      if (pinText(st.pins) !== pinText(defaultPins())) out.push('pin=' + pinText(st.pins));
      if (!(st.pos.length === 1 && st.pos[0] === P - 1)) out.push('pos=' + st.pos.join(','));
      if (st.y === 'log') out.push('y=log');
      if (st.zoom) out.push('zoom=' + st.zoom.join('-'));
      return out.join('&');
    };
    const decode = hash => {
      const u = new URLSearchParams(hash.replace(/^#/, ''));
      const s = defaults();
      const nat = (v, n) => (/^\d+$/.test(v) && Number(v) < n ? Number(v) : null);
      if (validMode(u.get('mode'))) s.mode = u.get('mode');
      const c = (u.get('cell') || '').split(',');
      if (c.length === 2 && nat(c[0], L) !== null && nat(c[1], P) !== null) s.cell = [nat(c[0], L), nat(c[1], P)];
      if (u.has('pin')) {
        s.pins = [];
        for (const g of u.get('pin').split(',')) {
          const [idPart, slot] = g.split('~');
          const ids = [...new Set(idPart.split('_').filter(x => /^\d+$/.test(x)).map(Number).filter(id => own(D.vocab, id)))];
          if (ids.length) s.pins.push({ ids, c: nat(slot, PALETTE.length) ?? s.pins.length % PALETTE.length });
        }
      }
      if (u.has('pos')) {
        const pos = [...new Set(u.get('pos').split(',').map(v => nat(v, P)).filter(v => v !== null))];
        if (pos.length) s.pos = pos; // at least one position is always chosen
      }
      if (u.get('y') === 'log') s.y = 'log';
      const z = (u.get('zoom') || '').split('-');
      if (z.length === 2 && nat(z[0], L) !== null && nat(z[1], L) !== null && +z[0] < +z[1] && !(+z[0] === 0 && +z[1] === L - 1)) {
        s.zoom = [+z[0], +z[1]];
      }
      return s;
    };
    const commit = () => { if (opt.hash) setHash(encode()); };

    // ---- grid
    const range = () => st.zoom || [0, L - 1];

    /** Layer indices that fit: a stride counted back from the range's last layer (Heatmap.strideColumns).
     *  The selected cell's layer always has its column, so the highlight and the popup name the same layer. */
    function visibleCols() {
      const [lo, hi] = range();
      const avail = (gridWrap.clientWidth || 800) - size.tok - SETTLE_W - 2; // less the collapsed borders
      const n = Math.max(2, Math.floor(avail / (opt.fit ? 28 : size.cell)));
      let out = [];
      const stride = hi - lo + 1 <= n ? 1 : Math.ceil((hi - lo) / (n - 1));
      for (let li = hi; li >= lo; li -= stride) out.unshift(li);
      if (st.cell && !out.includes(st.cell[0])) out = [...out, st.cell[0]].sort((a, b) => a - b);
      cw = opt.fit ? Math.max(8, avail / out.length) : size.cell;
      return out;
    }

    /** The visible column standing for layer index li (the first visible at or after it). */
    const colFor = li => cols.find(c => c >= li) ?? cols[cols.length - 1];
    const pinOf = id => st.pins.find(g => g.ids.includes(id));

    function cellLabel(li, p) {
      const top = D.topk[li][p][0];
      let s = `layer ${D.layers[li]}, after ${show(D.input[p])}: top-1 ${show(tok(top))} ${pct(prob(li, p, top))}`;
      if (st.mode === 'rank') s += `, final answer rank ${M.finalTop1Rank[li][p]}`;
      if (st.mode === 'entropy') s += `, entropy ${nats(M.entropy[li][p])}`;
      if (st.mode === 'kl') s += `, KL to final ${nats(M.klToFinal[li][p])}`;
      const ids = modeIds(st.mode);
      if (ids) s += `, ${names(ids)} ${pct(sumProb(ids, li, p))}`;
      if (pinOf(top)) s += ', a pinned token';
      if (D.settle[p] >= 0 && colFor(D.settle[p]) === li) s += `, final answer settles at layer ${D.layers[D.settle[p]]}`;
      return s;
    }

    /** The colour-by choices: the four modes, then every pinned group's probability. */
    function syncModes() {
      const opts = MODE_NAMES.map(([v, t]) => [v, t]);
      if (MODES.diff) opts.push(['diff', 'KL between tuned and logit lens']);
      for (const g of st.pins) if (g.ids.length) opts.push(['pin:' + g.ids.join('_'), 'probability of ' + names(g.ids)]);
      if (modeIds(st.mode) && !opts.some(([v]) => v === st.mode)) opts.push([st.mode, 'probability of ' + names(modeIds(st.mode))]);
      modeSel.replaceChildren(...opts.map(([v, t]) => h('option', { value: v, text: t })));
      modeSel.value = st.mode;
    }

    function buildGrid() {
      cols = visibleCols();
      if (!cols.includes(focus[0])) focus = [colFor(focus[0]), focus[1]];
      const mode = modeOf(st.mode);
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
        head.append(h('th', { scope: 'col', class: 'lh' + (li === L - 1 ? ' fin' : ''), 'data-li': li, title: li === L - 1 ? 'last layer' : null,
          text: (li === L - 1 ? 'L' : '') + D.layers[li] },
        opt.fit ? null : h('span', { class: 'rz rz-cell', 'data-i': i, role: 'separator', 'aria-orientation': 'vertical', 'aria-label': 'Resize the cells', tabindex: i === 0 ? '0' : '-1' })));
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
          const g = pinOf(top);
          if (g) cls.push('pk', 'pk' + g.c); // outlined in the pin's colour where it is top-1
          row.append(h('td', { role: 'gridcell', class: cls.join(' '), 'data-li': li, 'data-p': p,
            tabindex: li === focus[0] && p === focus[1] ? '0' : '-1', 'aria-label': cellLabel(li, p),
            text: show(tok(top)) }));
        }
        row.append(h('td', { class: 'settle-col', text: D.settle[p] >= 0 ? 'L' + D.layers[D.settle[p]] : '\u2014',
          title: D.settle[p] >= 0 ? `${show(tok(D.finalTop1[p]))} is top-1 from layer ${D.layers[D.settle[p]]} on` : 'the final answer is not top-1 at the last lensed layer' }));
        tbody.append(row);
      }
      table.append(h('thead', {}, head), tbody);
      const widths = [size.tok, ...cols.map(() => cw), SETTLE_W];
      [...colgroup.children].forEach((c, i) => { c.style.width = widths[i] + 'px'; });
      table.style.width = widths.reduce((a, b) => a + b, 0) + 'px';
      const hadFocus = gridWrap.contains(document.activeElement) && document.activeElement.matches('td.cell');
      gridWrap.replaceChildren(table);
      if (hadFocus) cellEl(focus[0], focus[1])?.focus();
      q('.lo').textContent = mode.lo;
      q('.hi').textContent = mode.hi;
    }

    const cellEl = (li, p) => gridWrap.querySelector(`td.cell[data-li="${li}"][data-p="${p}"]`);

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
      if (!st.cell) { popup.hidden = true; chartWrap.style.marginTop = ''; return; }
      const [li, p] = st.cell;
      const list = h('ol', { class: 'pop-list' });
      for (const id of D.topk[li][p]) {
        const v = prob(li, p, id);
        const g = pinOf(id);
        const bar = h('i');
        bar.style.width = (isNaN(v) ? 0 : v * 100).toFixed(1) + '%';
        list.append(h('li', {}, h('button', { type: 'button', class: 'pop-tok', 'data-id': id, 'aria-pressed': String(!!g),
          'aria-label': `${show(tok(id))} ${pct(v)}: ${g ? 'unpin' : 'pin'}` },
        h('span', { class: 'pop-sw' + (g ? ' s' + g.c : ''), title: g ? 'pinned: this colour in the chart' : null }),
        h('span', { class: 'pt', text: show(tok(id)) }), h('span', { class: 'pb' }, bar), h('span', { class: 'pp', text: pct(v) }))));
      }
      const fin = D.finalTop1[p];
      popup.replaceChildren(
        h('div', { class: 'pop-head' }, h('strong', { text: `Layer ${D.layers[li]} \u00b7 after ${show(D.input[p])}` }),
          h('button', { type: 'button', class: 'pop-x', 'aria-label': 'Close', text: '\u00d7' })),
        h('div', { class: 'pop-meta', text: LACKS.size
          ? `final answer ${show(tok(fin))}: ${pct(M.finalTop1Prob[li][p] / SCALE)}`
          : `entropy ${nats(M.entropy[li][p])} \u00b7 KL to final ${nats(M.klToFinal[li][p])} \u00b7 final answer ${show(tok(fin))}: rank ${M.finalTop1Rank[li][p]}, ${pct(M.finalTop1Prob[li][p] / SCALE)}` }),
        ...answersMeta(li, p),
        list,
        h('p', { class: 'pop-hint', text: 'Click a token to pin its trajectory; Shift+click adds it to the last pinned group.' }));
      popup.setAttribute('aria-label', `Top-${D.k} tokens at layer ${D.layers[li]}, position ${p}`);
      popup.hidden = false;
      placePopup();
      if (moveIn) popup.querySelector('.pop-tok')?.focus();
    }

    /**
     * Below the selected cell; where that would cover the chart (short prompts), above the cell if the page
     * has room there, else below with the chart moved down: the line being pinned stays visible.
     */
    function placePopup() {
      chartWrap.style.marginTop = '';
      const anchor = st.cell && cellEl(st.cell[0], st.cell[1]);
      if (!anchor) return;
      const hr = host.getBoundingClientRect(), cr = anchor.getBoundingClientRect();
      popup.style.left = '0px'; // its natural width, before it is placed
      popup.style.left = clamp(cr.left - hr.left, 0, Math.max(0, host.clientWidth - popup.offsetWidth)) + 'px';
      const ph = popup.offsetHeight; // after placing: the width it gets there sets how its text wraps
      let top = cr.bottom - hr.top + 4;
      const chartTop = chartWrap.getBoundingClientRect().top - hr.top;
      if (top + ph > chartTop) {
        const above = cr.top - hr.top - 4 - ph;
        if (hr.top + window.scrollY + above >= 0) top = above;
        else chartWrap.style.marginTop = (top + ph - chartTop + 8) + 'px';
      }
      popup.style.top = top + 'px';
    }

    function openCell(li, p, moveIn) {
      const rebuild = !cols.includes(li);
      st.cell = [li, p];
      if (rebuild) buildGrid();
      gridWrap.querySelector('td.sel')?.classList.remove('sel');
      cellEl(li, p)?.classList.add('sel');
      renderChart();
      renderPopup(moveIn);
      commit();
    }

    function closePopup() {
      if (!st.cell) return;
      const [li, p] = st.cell;
      const wasInside = popup.contains(document.activeElement);
      st.cell = null;
      popup.hidden = true;
      chartWrap.style.marginTop = '';
      gridWrap.querySelector('td.sel')?.classList.remove('sel');
      renderChart();
      commit();
      if (wasInside) moveFocus(colFor(li), p);
    }

    /** The lowest colour slot no pinned group uses, so pinning never recolours another group. */
    const freeSlot = () => {
      const used = new Set(st.pins.map(g => g.c));
      for (let c = 0; c < PALETTE.length; c++) if (!used.has(c)) return c;
      return st.pins.length % PALETTE.length;
    };

    /** After pins or positions change: everything that shows them, the link, and the linked widgets. */
    function pinsChanged(linked) {
      st.pins = st.pins.filter(g => g.ids.length || (g.miss && g.miss.length));
      if (modeIds(st.mode) && !st.pins.some(g => 'pin:' + g.ids.join('_') === st.mode) && !linked) st.mode = 'prob';
      syncModes();
      buildGrid();
      renderPopup(false);
      renderChart();
      commit();
      if (!linked) opt.onChange?.(api);
    }

    function togglePin(id, p, toGroup) {
      const where = st.pins.findIndex(g => g.ids.includes(id));
      if (toGroup && st.pins.length && where !== st.pins.length - 1) {
        if (where >= 0) st.pins[where].ids = st.pins[where].ids.filter(x => x !== id);
        st.pins[st.pins.length - 1].ids.push(id);
      } else if (where >= 0) {
        st.pins[where].ids = st.pins[where].ids.filter(x => x !== id);
      } else {
        st.pins.push({ ids: [id], c: freeSlot() });
      }
      if (where < 0 && !st.pos.includes(p)) st.pos.push(p);
      pinsChanged(false);
    }

    function togglePos(p) {
      if (st.pos.length === 1 && st.pos[0] === p) {
        // The chart always has a position to plot; an empty set would only make an empty chart.
        say('At least one position stays in the chart: click another input token first.');
        return;
      }
      say('');
      st.pos = st.pos.includes(p) ? st.pos.filter(x => x !== p) : [...st.pos, p];
      pinsChanged(false);
    }

    // ---- chart
    let drawnSeries = [];

    /** Layer index to x in the chart: the centre of the layer's grid column, so one reads down from a
     *  column to its point; layers the stride skips lie in between, in proportion. */
    function layerX(W) {
      const [lo, hi] = range();
      const base = chart.getBoundingClientRect().left + 1; // the chart's 1px border
      const cx = new Map();
      for (const th of gridWrap.querySelectorAll('th.lh')) {
        const r = th.getBoundingClientRect();
        const li = +th.dataset.li;
        if (r.width && li >= lo && li <= hi) cx.set(li, (r.left + r.right) / 2 - base);
      }
      const vis = [...cx.keys()].sort((a, b) => a - b);
      if (!vis.length) return li => 46 + (hi === lo ? 0.5 : (li - lo) / (hi - lo)) * (W - 60); // not laid out
      const slope = vis.length > 1 ? (cx.get(vis[1]) - cx.get(vis[0])) / (vis[1] - vis[0]) : cw;
      return li => {
        if (cx.has(li)) return cx.get(li);
        const j = vis.findIndex(c => c > li);
        if (j > 0) {
          const a = vis[j - 1], b = vis[j];
          return cx.get(a) + (li - a) / (b - a) * (cx.get(b) - cx.get(a));
        }
        return j === 0 ? cx.get(vis[0]) - (vis[0] - li) * slope : cx.get(vis[vis.length - 1]) + (li - vis[vis.length - 1]) * slope;
      };
    }

    /** The y scale: linear from 0 to a nice maximum of what is drawn, or log over the decades it spans. */
    function yScale(values, top, bottom) {
      const pos = values.filter(v => v > 0);
      const max = pos.length ? Math.max(...pos) : 0;
      if (st.y === 'log') {
        const hiE = Math.min(0, Math.ceil(Math.log10(max || 1) - 1e-9));
        const loE = clamp(Math.floor(Math.log10(pos.length ? Math.min(...pos) : 1e-5)), -5, hiE - 2);
        const y = v => top + (hiE - Math.log10(Math.max(v, 10 ** loE))) / (hiE - loE) * (bottom - top);
        const ticks = [];
        for (let e = loE; e <= hiE; e++) ticks.push(+(10 ** e).toPrecision(1));
        return { y, ticks, label: 'probability (log)' };
      }
      const ymax = niceMax(max);
      return { y: v => top + (1 - Math.min(v, ymax) / ymax) * (bottom - top), ticks: [0, 0.25, 0.5, 0.75, 1].map(f => f * ymax), label: 'probability' };
    }

    function renderChart() {
      const W = Math.max(300, (chartWrap.clientWidth || 602) - 2), H = size.chart; // inside the chart's 1px border
      const m = { t: 12, b: 34 };
      const [lo, hi] = range();
      const x = layerX(W);
      xAt = x;
      const layers = [];
      for (let li = lo; li <= hi; li++) layers.push(li);
      chart.setAttribute('viewBox', `0 0 ${W} ${H}`);
      chart.style.height = (H + 2) + 'px'; // content plus the 1px borders: the viewBox maps 1:1
      chart.removeAttribute('width');
      chart.setAttribute('height', H + 2);

      // Series first: the y axis is scaled to what is drawn.
      const notes = [];
      const series = [];
      st.pins.forEach(g => {
        if (!g.ids.length) {
          notes.push(`${groupName(g)}: not among ${D.model}'s tokens on this prompt.`);
          return;
        }
        st.pos.forEach((p, pi) => {
          const ids = g.ids.filter(id => index[p].has(id));
          const name = `${names(g.ids)} after ${show(D.input[p])}`;
          if (!ids.length) {
            // Not in the top-k at any layer there, so the run has no probability for it to draw.
            notes.push(`${name}: not in the top-${D.k} at any layer, so not tracked there.`);
            return;
          }
          if (ids.length < g.ids.length) {
            notes.push(`${name}: ${names(g.ids.filter(id => !index[p].has(id)))} not tracked there; the line sums the rest.`);
          }
          series.push({ name, colour: PALETTE[g.c], dash: DASHES[pi % DASHES.length], c: g.c, p,
            vals: layers.map(li => Math.min(1, sumProb(ids, li, p))) });
        });
      });
      const previews = [];
      for (const pv of preview || []) {
        const ids = pv.ids.filter(id => index[pv.p].has(id));
        if (!ids.length) continue;
        const g = pv.c ?? pinOf(ids[0])?.c;
        previews.push({ name: `${names(ids)} after ${show(D.input[pv.p])} (preview)`, colour: g == null ? PREVIEW : PALETTE[g],
          p: pv.p, vals: layers.map(li => Math.min(1, sumProb(ids, li, pv.p))) });
      }
      const ys = yScale([...series, ...previews].flatMap(s => s.vals), m.t, H - m.b);
      const y = ys.y;
      const left = Math.max(40, x(lo) - 12), right = Math.min(W - 4, x(hi) + 12);

      const parts = [];
      for (const v of ys.ticks) {
        parts.push(h('svg:line', { x1: left, x2: right, y1: y(v), y2: y(v), stroke: 'currentColor', 'stroke-opacity': v === ys.ticks[0] ? 0.5 : 0.15 }));
        parts.push(h('svg:text', { x: left - 5, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11, fill: 'currentColor', text: tickText(v) }));
      }
      let lastLabel = Infinity;
      for (let i = layers.length - 1; i >= 0; i--) {
        const xx = x(layers[i]);
        if (lastLabel - xx < 26 && i !== layers.length - 1) continue;
        if (!(cols.includes(layers[i]) || layers.length <= 64 || i === layers.length - 1)) continue;
        parts.push(h('svg:text', { x: xx, y: H - m.b + 15, 'text-anchor': 'middle', 'font-size': 11, fill: 'currentColor', text: D.layers[layers[i]] }));
        lastLabel = xx;
      }
      parts.push(h('svg:text', { x: (left + right) / 2, y: H - 4, 'text-anchor': 'middle', 'font-size': 11, fill: 'currentColor',
        text: st.zoom ? `layer (${D.layers[lo]}\u2013${D.layers[hi]} of ${D.layers[0]}\u2013${D.layers[L - 1]})` : 'layer' }));
      parts.push(h('svg:text', { x: 12, y: (m.t + H - m.b) / 2, 'text-anchor': 'middle', 'font-size': 11, fill: 'currentColor',
        transform: `rotate(-90 12 ${(m.t + H - m.b) / 2})`, text: ys.label }));
      if (st.cell && st.cell[0] >= lo && st.cell[0] <= hi) {
        parts.push(h('svg:line', { x1: x(st.cell[0]), x2: x(st.cell[0]), y1: m.t, y2: H - m.b, stroke: 'currentColor', 'stroke-opacity': 0.35, 'stroke-dasharray': '3 3' }));
      }
      const spacing = layers.length > 1 ? Math.abs(x(hi) - x(lo)) / (layers.length - 1) : 10;
      const r = clamp(spacing / 3, 1, 2.5); // markers at every layer, however many
      const pts = s => s.vals.map((v, i) => `${x(layers[i]).toFixed(1)},${y(v).toFixed(1)}`);
      for (const s of previews) {
        parts.push(h('svg:polyline', { points: pts(s).join(' '), fill: 'none', stroke: s.colour, 'stroke-width': 1.5,
          'stroke-dasharray': '4 3', 'stroke-opacity': 0.8, class: 'preview', 'data-p': s.p }, h('svg:title', { text: s.name })));
      }
      for (const s of series) {
        const p = pts(s);
        parts.push(h('svg:polyline', { points: p.join(' '), fill: 'none', stroke: s.colour, 'stroke-width': 2,
          'stroke-dasharray': s.dash, class: 'series', 'data-group': s.c, 'data-p': s.p }, h('svg:title', { text: s.name })));
        for (const pt of p) {
          const [cx, cy] = pt.split(',');
          parts.push(h('svg:circle', { cx, cy, r, fill: s.colour, class: 'pt' }));
        }
      }
      if (hov != null && hov >= lo && hov <= hi) {
        const xx = x(hov);
        parts.push(h('svg:line', { class: 'rule', x1: xx, x2: xx, y1: m.t, y2: H - m.b, stroke: 'currentColor', 'stroke-opacity': 0.6 }));
        for (const s of [...series, ...previews]) {
          parts.push(h('svg:circle', { class: 'hit', cx: xx, cy: y(s.vals[hov - lo]), r: 4, fill: 'none', stroke: s.colour, 'stroke-width': 2 }));
        }
      }
      if (drag && Math.abs(drag.x1 - drag.x0) > 2) {
        parts.push(h('svg:rect', { class: 'zsel', x: Math.min(drag.x0, drag.x1), y: m.t, width: Math.abs(drag.x1 - drag.x0),
          height: H - m.t - m.b, fill: 'currentColor', 'fill-opacity': 0.12 }));
      }
      if (!series.length) {
        // Two short lines centred on the plot area, so the hint fits a phone-width chart.
        const msg = st.pins.length ? ['Pinned tokens were never in the top-k', 'at the chosen positions.']
          : ['Click a cell, then a token in its list,', 'to plot its probability across layers.'];
        msg.forEach((line, i) => parts.push(h('svg:text', { x: (left + right) / 2, y: (m.t + H - m.b) / 2 - 2 + i * 17,
          'text-anchor': 'middle', 'font-size': 13, fill: 'currentColor', 'fill-opacity': 0.6, text: line })));
      }
      chart.replaceChildren(...parts);
      drawnSeries = series;
      renderLegend(notes);
      renderReadout([...series, ...previews], lo);
    }

    let legendKey = null;
    function renderLegend(notes) {
      // Rebuilt only when what it lists changes: a hover redraws the chart, and replacing a button between
      // the press and the release of a click would lose the click.
      const key = JSON.stringify([st.pins, st.pos, st.zoom, notes]);
      if (key === legendKey) return;
      legendKey = key;
      const items = [];
      for (const g of st.pins) {
        items.push(h('span', { class: 'item' }, h('span', { class: 'sw s' + g.c }), h('span', { text: groupName(g) }),
          h('button', { type: 'button', class: 'x', 'data-unpin': g.c, 'aria-label': `Unpin ${groupName(g)}`, text: '\u00d7' })));
      }
      // Position line styles only mean something once a token is pinned. The last position has no ×.
      if (st.pins.length) st.pos.forEach((p, pi) => {
        const sample = h('svg:svg', { viewBox: '0 0 26 8', 'aria-hidden': 'true' },
          h('svg:line', { x1: 0, x2: 26, y1: 4, y2: 4, stroke: 'currentColor', 'stroke-width': 2, 'stroke-dasharray': DASHES[pi % DASHES.length] }));
        items.push(h('span', { class: 'item' }, sample, h('span', { text: `after ${show(D.input[p])} (${p})` }),
          st.pos.length > 1 ? h('button', { type: 'button', class: 'x', 'data-unpos': p, 'aria-label': `Remove position ${p} from the chart`, text: '\u00d7' }) : null));
      });
      for (const n of notes) items.push(h('span', { class: 'item note', text: n }));
      legend.replaceChildren(...items);
      const [lo, hi] = range();
      zoomBar.hidden = !st.zoom;
      if (st.zoom) {
        zoomBar.replaceChildren(h('span', { text: `Showing layers ${D.layers[lo]}\u2013${D.layers[hi]} of ${D.layers[0]}\u2013${D.layers[L - 1]}. ` }),
          h('button', { type: 'button', class: 'btn unzoom', text: 'Show all layers' }));
      }
    }

    /** Exact values at the read-out layer, for every series; the text the keyboard reaches too. */
    function renderReadout(all, lo) {
      if (hov == null || hov < lo || hov > range()[1]) {
        readout.textContent = 'Point at the chart (or focus it and use \u2190 \u2192) for exact values; drag across it (or press + / \u2212) to zoom.';
        readout.classList.add('idle');
        return;
      }
      readout.classList.remove('idle');
      readout.replaceChildren(h('strong', { text: `Layer ${D.layers[hov]}` }),
        ...all.map(s => h('span', { class: 'rv' }, h('span', { class: 'sw', 'data-colour': s.colour }), h('span', { text: `${s.name}: ` }),
          h('b', { text: pct3(s.vals[hov - lo]) }))));
      readout.querySelectorAll('.sw').forEach(sw => { sw.style.background = sw.dataset.colour; });
    }

    const nearestLayer = px => {
      const [lo, hi] = range();
      let best = lo;
      for (let li = lo; li <= hi; li++) if (Math.abs(xAt(li) - px) < Math.abs(xAt(best) - px)) best = li;
      return best;
    };
    const chartX = e => e.clientX - chart.getBoundingClientRect().left - 1;

    function setZoom(z) {
      st.zoom = z && !(z[0] <= 0 && z[1] >= L - 1) && z[1] > z[0] ? [Math.max(0, z[0]), Math.min(L - 1, z[1])] : null;
      if (hov != null) hov = clamp(hov, ...range());
      relayout();
      commit();
    }
    function zoomBy(factor) {
      const [lo, hi] = range();
      const c = hov ?? Math.round((lo + hi) / 2);
      const half = factor < 1 ? Math.max(1, Math.floor((hi - lo) / 4)) : Math.max(1, hi - lo);
      let a = c - half, b = c + half;
      if (a < 0) { b -= a; a = 0; }
      if (b > L - 1) { a -= b - (L - 1); b = L - 1; }
      setZoom([Math.max(0, a), b]);
    }

    /** The chart as a standalone SVG: white background, and a legend of its series below the plot. */
    function exportSvg() {
      const clone = chart.cloneNode(true);
      clone.querySelectorAll('.preview, .hit, .rule, .zsel').forEach(e => e.remove());
      const [, , W, H] = chart.getAttribute('viewBox').split(' ').map(Number);
      const rowH = 18, extra = drawnSeries.length * rowH + (drawnSeries.length ? 10 : 0);
      clone.setAttribute('xmlns', SVGNS);
      clone.setAttribute('color', '#1c1e21');
      clone.setAttribute('viewBox', `0 0 ${W} ${H + extra}`);
      clone.setAttribute('width', W);
      clone.setAttribute('height', H + extra);
      clone.removeAttribute('style');
      clone.removeAttribute('tabindex');
      clone.insertBefore(h('svg:rect', { width: '100%', height: '100%', fill: '#ffffff' }), clone.firstChild);
      const key = h('svg:g', { class: 'legend', 'font-size': 12, fill: 'currentColor' });
      drawnSeries.forEach((s, i) => {
        const yy = H + 8 + i * rowH + rowH / 2;
        key.append(h('svg:line', { x1: 12, x2: 40, y1: yy, y2: yy, stroke: s.colour, 'stroke-width': 2, 'stroke-dasharray': s.dash }),
          h('svg:text', { x: 48, y: yy + 4, text: s.name }));
      });
      clone.append(key);
      saveBlob(new Blob([new XMLSerializer().serializeToString(clone)], { type: 'image/svg+xml' }), `${D.modelId}-${D.promptId}-chart.svg`);
    }

    // ---- resizing: drag any .rz edge, or focus it and use the arrow keys
    const resize = (kind, delta) => {
      if (kind === 'tok') size.tok = clamp(size.tok + delta, 40, 400);
      if (kind === 'cell') size.cell = clamp(size.cell + delta, 28, 240);
      if (kind === 'chart') size.chart = clamp(size.chart + delta, 140, 900);
      schedule(kind === 'chart' ? renderChart : relayout);
    };
    const rzKind = el => (el.classList.contains('rz-tok') ? 'tok' : el.classList.contains('rz-cell') ? 'cell' : 'chart');
    let pending = null;
    let pendingFn = null;
    const schedule = fn => {
      // One frame runs the larger of the jobs asked for since the last one.
      pendingFn = pendingFn === relayout ? relayout : fn;
      if (pending) return;
      pending = requestAnimationFrame(() => { pending = null; const f = pendingFn; pendingFn = null; f(); });
    };
    /** Everything that depends on the widths: the grid, the chart, and the open popup's place. */
    function relayout() { buildGrid(); renderChart(); renderPopup(false); }

    host.addEventListener('pointerdown', e => {
      const rz = e.target.closest('.rz');
      if (!rz) {
        if (e.button === 0 && e.target.closest('.lens-chart')) {
          const px = chartX(e);
          drag = { x0: px, x1: px };
          chart.setPointerCapture?.(e.pointerId);
        }
        return;
      }
      e.preventDefault();
      const kind = rzKind(rz);
      // The edge of the i-th layer header sits i + 1 cell widths from the token column, so the cell width
      // changes by 1/(i + 1) of the pointer's movement for that edge to follow the pointer.
      const per = kind === 'cell' ? 1 / (Number(rz.dataset.i) + 1) : 1;
      let last = kind === 'chart' ? e.clientY : e.clientX;
      const move = ev => {
        const now = kind === 'chart' ? ev.clientY : ev.clientX;
        resize(kind, (now - last) * per);
        last = now;
      };
      const up = () => { window.removeEventListener('pointermove', move); window.removeEventListener('pointerup', up); };
      window.addEventListener('pointermove', move);
      window.addEventListener('pointerup', up);
    });

    chart.addEventListener('pointermove', e => {
      if (!xAt) return;
      const px = chartX(e);
      if (drag) drag.x1 = px;
      const li = nearestLayer(px);
      if (li !== hov || drag) { hov = li; schedule(renderChart); }
    });
    chart.addEventListener('pointerup', () => {
      if (!drag) return;
      const d = drag;
      drag = null;
      if (Math.abs(d.x1 - d.x0) > 6) {
        const a = nearestLayer(Math.min(d.x0, d.x1)), b = nearestLayer(Math.max(d.x0, d.x1));
        if (b > a) { setZoom([a, b]); return; }
      }
      schedule(renderChart);
    });
    chart.addEventListener('pointerleave', () => {
      if (drag || document.activeElement === chart) return;
      hov = null;
      schedule(renderChart);
    });
    chart.addEventListener('blur', () => { hov = null; schedule(renderChart); });
    gridWrap.addEventListener('scroll', () => schedule(renderChart));

    // ---- hover preview: a light dashed line of what the pointer is over, before any click
    function setPreview(pv, tell) {
      const key = JSON.stringify(pv);
      if (key === JSON.stringify(preview)) return;
      preview = pv;
      schedule(renderChart);
      if (tell) opt.onPreview?.(api, pv && pv.map(v => ({ strs: [...v.ids.map(tok), ...(v.miss || [])], pos: posKey(v.p), c: v.c ?? pinOf(v.ids[0])?.c })));
    }
    /** What the pointer (or keyboard focus) is over, previewed; anything else clears the preview. */
    function previewAt(t) {
      const cell = t.closest('td.cell'), pt = t.closest('.pop-tok'), it = t.closest('.in-tok');
      if (cell) setPreview([{ ids: [D.topk[+cell.dataset.li][+cell.dataset.p][0]], p: +cell.dataset.p }], true);
      else if (pt && st.cell) setPreview([{ ids: [+pt.dataset.id], p: st.cell[1] }], true);
      else if (it) {
        const p = +it.dataset.p;
        setPreview(st.pins.length ? st.pins.map(g => ({ ids: g.ids, miss: g.miss, p, c: g.c })) : [{ ids: [D.finalTop1[p]], p }], true);
      } else setPreview(null, true);
    }
    host.addEventListener('pointerover', e => previewAt(e.target));
    host.addEventListener('focusin', e => { if (e.target.matches('td.cell, .pop-tok, .in-tok')) previewAt(e.target); });
    host.addEventListener('pointerleave', () => setPreview(null, true));

    host.addEventListener('click', e => {
      const t = e.target;
      const cell = t.closest('td.cell');
      if (cell) { moveFocus(+cell.dataset.li, +cell.dataset.p); openCell(+cell.dataset.li, +cell.dataset.p, false); return; }
      const inTok = t.closest('.in-tok');
      if (inTok) { togglePos(+inTok.dataset.p); return; }
      const pt = t.closest('.pop-tok');
      if (pt && st.cell) { togglePin(+pt.dataset.id, st.cell[1], e.shiftKey); popup.querySelector(`.pop-tok[data-id="${pt.dataset.id}"]`)?.focus(); return; }
      if (t.closest('.pop-x')) { closePopup(); return; }
      if (t.closest('.unzoom')) { setZoom(null); chart.focus(); return; }
      const x = t.closest('.lens-legend .x');
      if (x && x.dataset.unpin != null) {
        st.pins = st.pins.filter(g => g.c !== +x.dataset.unpin);
        pinsChanged(false);
        return;
      }
      if (x && x.dataset.unpos != null) { togglePos(+x.dataset.unpos); }
    });

    document.addEventListener('click', e => {
      // composedPath, not contains(): the clicked node may already be replaced by a re-render.
      if (st.cell && !e.composedPath().includes(host)) closePopup();
    }, { signal: gone.signal });

    host.addEventListener('keydown', e => {
      const t = e.target;
      if (t === chart) {
        const [lo, hi] = range();
        const keys = { ArrowLeft: () => { hov = clamp((hov ?? hi + 1) - 1, lo, hi); }, ArrowRight: () => { hov = clamp((hov ?? lo - 1) + 1, lo, hi); },
          Home: () => { hov = lo; }, End: () => { hov = hi; }, '+': () => zoomBy(0.5), '=': () => zoomBy(0.5), '-': () => zoomBy(2),
          0: () => setZoom(null) };
        if (!own(keys, e.key)) return;
        e.preventDefault();
        keys[e.key]();
        renderChart();
        return;
      }
      if (t.classList.contains('rz') && (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
        e.preventDefault();
        resize(rzKind(t), e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -8 : 8);
        return;
      }
      if (e.key === 'Escape' && st.cell) { e.preventDefault(); closePopup(); if (t.matches('td.cell')) t.focus(); return; }
      if (popup.contains(t) && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
        const btns = [...popup.querySelectorAll('.pop-tok')];
        const i = btns.indexOf(t);
        if (i >= 0) { e.preventDefault(); btns[clamp(i + (e.key === 'ArrowDown' ? 1 : -1), 0, btns.length - 1)].focus(); }
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
      moveFocus(cols[clamp(ci, 0, cols.length - 1)], clamp(p, 0, P - 1));
    });

    modeSel.addEventListener('change', () => {
      st.mode = validMode(modeSel.value) ? modeSel.value : 'prob';
      buildGrid();
      commit();
    });
    ySel?.addEventListener('change', () => {
      st.y = ySel.value === 'log' ? 'log' : 'lin';
      renderChart();
      commit();
    });

    q('.lens-copy')?.addEventListener('click', () => {
      commit(); // canonical form of what is shown, whatever hash the page was opened with
      const url = location.href;
      const done = ok => say(ok ? 'Link copied.' : 'Copy this link: ' + url);
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(url).then(() => done(true), () => done(false));
      else done(false);
    });
    q('.lens-svg')?.addEventListener('click', exportSvg);
    q('.lens-json')?.addEventListener('click', e => {
      // Chromium ignores `download` on file:// links and would open the file instead; there the page's own
      // data, which holds the V2 document exactly, is saved. Served over http(s) the link is the data file.
      if (location.protocol !== 'file:') return;
      e.preventDefault();
      saveBlob(new Blob([JSON.stringify(v2Of(D)) + '\n'], { type: 'application/json' }), `${D.modelId}-${D.promptId}.v2.json`);
      say('Saved the V2 document rebuilt from this page; the full data file is ' + e.currentTarget.getAttribute('href'));
    });

    // ---- linking: pins by token string, positions by where they end in the prompt (or from its end)
    const posKey = p => ({ end: ends[p], back: P - 1 - p, text });
    const posOf = k => (k.text === text ? Math.max(0, ends.findIndex(e => e >= k.end)) : clamp(P - 1 - k.back, 0, P - 1));
    const toIds = strs => {
      const ids = [], miss = [];
      for (const s of strs) (byStr.has(s) ? ids : miss).push(byStr.has(s) ? byStr.get(s) : s);
      return { ids, miss };
    };
    const api = {
      host, D,
      shared: () => ({ groups: st.pins.map(g => ({ c: g.c, strs: [...g.ids.map(tok), ...(g.miss || [])] })), pos: st.pos.map(posKey) }),
      receive: s => {
        st.pins = s.groups.map(g => ({ c: g.c, ...toIds(g.strs) }));
        const pos = [...new Set(s.pos.map(posOf))];
        st.pos = pos.length ? pos : [P - 1];
        pinsChanged(true);
      },
      receivePreview: pv => setPreview(pv && pv.map(v => ({ ...toIds(v.strs), p: posOf(v.pos), c: v.c })), false),
      destroy: () => gone.abort(),
    };

    function applyState(s) {
      st = s;
      if (st.cell) focus = [st.cell[0], st.cell[1]];
      syncModes();
      if (ySel) ySel.value = st.y;
      buildGrid();
      renderChart();
      renderPopup(false);
    }
    if (opt.hash) {
      window.addEventListener('hashchange', () => {
        if (opt.lensOf && opt.lensOf(location.hash) !== which) location.reload(); else applyState(decode(location.hash));
      }, { signal: gone.signal });
    }
    window.addEventListener('resize', () => schedule(relayout), { signal: gone.signal });
    applyState(opt.hash ? decode(location.hash) : defaults());
    host.dataset.ready = 'true'; // lets tests wait for the widget
    return api;
  }

  function initLens() {
    const dataEl = document.getElementById('lens-data');
    const host = document.getElementById('lens');
    if (!dataEl || !host) return;
    // A model with a tuned lens embeds its data too; #lens=tuned shows it, #lens=diff colours by KL(tuned ‖ logit).
    const tunedEl = document.getElementById('lens-data-tuned');
    const lensOf = hash => {
      const v = new URLSearchParams(hash.replace(/^#/, '')).get('lens');
      return tunedEl && ['tuned', 'diff'].includes(v) ? v : 'logit';
    };
    const which = lensOf(location.hash);
    const D = JSON.parse((which === 'logit' ? dataEl : tunedEl).textContent);
    createLens(host, D, { hash: true, lens: which, lensOf });
    const whichSel = document.getElementById('lens-which');
    if (whichSel && tunedEl) {
      whichSel.value = which;
      whichSel.addEventListener('change', () => {
        location.replace(location.href.split('#')[0] + (whichSel.value === 'logit' ? '#' : '#lens=' + whichSel.value));
        location.reload();
      });
    }
    // Like Download JSON: from file://, save the tuned V2 document rebuilt from the page instead of opening it.
    document.getElementById('lens-json-tuned')?.addEventListener('click', e => {
      if (location.protocol !== 'file:' || !tunedEl) return;
      e.preventDefault();
      const T = JSON.parse(tunedEl.textContent);
      saveBlob(new Blob([JSON.stringify(v2Of(T)) + '\n'], { type: 'application/json' }), `${T.modelId}-${T.promptId}.tuned.v2.json`);
    });
  }

  // ---------------------------------------------------------------- linked widgets (prompt page, compare view)
  /** The controls and panes of a widget that the page did not write itself. */
  function fillHost(host) {
    const sel = h('select', { class: 'lens-mode', 'aria-label': 'Colour by' });
    const y = h('select', { class: 'lens-y', 'aria-label': 'Y axis' }, h('option', { value: 'lin', text: 'linear' }), h('option', { value: 'log', text: 'log' }));
    const scale = h('div', { class: 'lens-scale', 'aria-live': 'polite' }, h('span', { class: 'lo' }));
    for (let i = 0; i < 10; i++) scale.append(h('span', { class: 'sw q' + i }));
    scale.append(h('span', { class: 'hi' }));
    host.replaceChildren(
      h('div', { class: 'lens-toolbar' }, h('label', { text: 'Colour by ' }, sel), scale, h('label', { text: 'Y axis ' }, y)),
      h('div', { class: 'lens-grid-wrap' }),
      h('div', { class: 'lens-chart-wrap' }, h('svg:svg', { class: 'lens-chart', role: 'img' }), h('div', { class: 'lens-legend' }),
        h('div', { class: 'rz rz-chart', role: 'separator', 'aria-orientation': 'horizontal', 'aria-label': 'Resize chart', tabindex: '0' })),
      h('div', { class: 'lens-popup', role: 'dialog', 'aria-label': 'Top-k tokens', hidden: '' }));
  }

  /**
   * Widgets that share pins, positions and the hover preview. They open with every model's final answer
   * pinned at the last position, so the runs are compared on the same tokens from the start.
   */
  function linkWidgets(list) {
    const widgets = [];
    const opt = {
      fit: true,
      onChange: src => widgets.forEach(w => w !== src && w.receive(src.shared())),
      onPreview: (src, pv) => widgets.forEach(w => w !== src && w.receivePreview(pv)),
    };
    for (const [host, D] of list) {
      fillHost(host);
      widgets.push(createLens(host, D, opt));
    }
    const answers = [...new Set(widgets.map(w => w.D.vocab[w.D.finalTop1[w.D.input.length - 1]]).filter(s => s != null))];
    const start = { groups: answers.slice(0, PALETTE.length).map((s, c) => ({ c, strs: [s] })), pos: [{ end: Infinity, back: 0, text: null }] };
    widgets.forEach(w => w.receive(start));
    return widgets;
  }

  const runData = () => self.logitlensRuns || {};

  function initStack() {
    const hosts = [...document.querySelectorAll('.lens-stack .lens[data-run]')];
    const list = hosts.filter(host => own(runData(), host.dataset.run)).map(host => [host, runData()[host.dataset.run]]);
    if (!list.length) return;
    // The static depth map and its axis are the page without scripts; the live widget replaces them.
    for (const [host] of list) host.closest('.model-col')?.querySelectorAll('.depth-map, .axis').forEach(e => e.setAttribute('hidden', ''));
    linkWidgets(list);
  }

  /** compare.html: two runs chosen from the lists, kept in the hash as a=MODEL/PROMPT&b=MODEL/PROMPT. */
  function initCompare() {
    const form = $('.compare-form');
    if (!form) return;
    const sels = [...form.querySelectorAll('select')];
    const hosts = [...document.querySelectorAll('.compare .lens')];
    const heads = [...document.querySelectorAll('.compare .cmp-title')];
    let widgets = [];
    const load = key => new Promise((done, fail) => {
      if (own(runData(), key)) { done(runData()[key]); return; }
      const s = h('script', { src: 'runs/' + key + '.js' });
      s.onload = () => (own(runData(), key) ? done(runData()[key]) : fail(key));
      s.onerror = () => fail(key);
      document.head.append(s);
    });
    const show2 = () => {
      const keys = sels.map(s => s.value);
      setHash(`a=${keys[0]}&b=${keys[1]}`);
      Promise.all(keys.map(load)).then(data => {
        widgets.forEach(w => w.destroy());
        keys.forEach((k, i) => {
          const o = sels[i].selectedOptions[0];
          heads[i].replaceChildren(h('a', { href: 'runs/' + k + '.html', text: o ? o.textContent : k }));
          const fresh = hosts[i].cloneNode(false); // without the old widget's listeners
          fresh.removeAttribute('data-ready');
          hosts[i].replaceWith(fresh);
          hosts[i] = fresh;
        });
        widgets = linkWidgets(hosts.map((host, i) => [host, data[i]]));
        $('.compare').dataset.ready = 'true';
      }, key => { $('.compare-status').textContent = `The data of ${key} did not load (runs/${key}.js).`; });
    };
    const u = new URLSearchParams(location.hash.slice(1));
    sels.forEach((s, i) => {
      const want = u.get(i ? 'b' : 'a');
      if (want && [...s.options].some(o => o.value === want)) s.value = want;
      s.addEventListener('change', show2);
    });
    show2();
  }

  const start = () => { initTheme(); initFilter(); initLens(); initStack(); initCompare(); };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
