// The HTML view's page script and style, embedded verbatim into every view file.
// Plain ES5-ish browser JS (no modules, no network). Every string that came from
// the device or the ELF is shown with textContent or canvas fillText, never parsed
// as markup. Keep this file free of backticks and dollar-brace sequences: it is one
// String.raw literal.

export const VIEW_CSS = String.raw`
html,body{margin:0;padding:0;background:#11151c;color:#d8dee9;font:12px/1.4 system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif}
#tp-head{padding:8px 12px;border-bottom:1px solid #2e3440}
#tp-head h1{font-size:15px;margin:0 0 6px 0;font-weight:600}
#tp-summary{border-collapse:collapse;margin:4px 0}
#tp-summary th,#tp-summary td{padding:2px 10px;text-align:right;border-bottom:1px solid #2e3440;font-variant-numeric:tabular-nums}
#tp-summary th:first-child,#tp-summary td:first-child{text-align:left}
.tp-ok{color:#a3be8c}.tp-bad{color:#bf616a;font-weight:600}
#tp-info{color:#8f9bb3;margin-top:4px}
#tp-help{color:#8f9bb3}
#tp-legend{margin-top:4px}.tp-sw{display:inline-block;width:10px;height:10px;margin:0 4px 0 0;vertical-align:-1px}.tp-lg{margin-right:12px;color:#aeb7c8}
#tp-wrap{position:relative}
#tp-canvas{display:block;width:100%;cursor:grab;outline:none}
#tp-panel{padding:8px 12px;border-top:1px solid #2e3440}
#tp-panel h2{font-size:13px;margin:8px 0 4px 0;font-weight:600}
#tp-evstats,#tp-list{border-collapse:collapse;font-variant-numeric:tabular-nums}
#tp-evstats th,#tp-evstats td,#tp-list th,#tp-list td{padding:1px 8px;text-align:right;border-bottom:1px solid #242b38;white-space:nowrap}
#tp-evstats td.tp-l,#tp-list td.tp-l,#tp-evstats th.tp-l,#tp-list th.tp-l{text-align:left}
#tp-evstats tbody tr,#tp-list tbody tr{cursor:pointer}
#tp-evstats tbody tr:hover,#tp-list tbody tr:hover{background:#1d2330}
#tp-list tr.tp-sel{background:#2e3440}
#tp-listwrap{max-height:45vh;overflow:auto}
#tp-filter{margin:4px 0}#tp-filter input,#tp-filter select{background:#1d2330;color:#d8dee9;border:1px solid #4c566a;margin-right:8px;font:inherit}
#tp-tip{position:fixed;pointer-events:none;background:#1d2330;border:1px solid #4c566a;padding:4px 6px;white-space:pre;display:none;z-index:9;font:11px/1.35 ui-monospace,Menlo,Consolas,monospace;color:#e5e9f0;max-width:70vw;overflow:hidden}
`;

export const VIEW_CLIENT_JS = String.raw`
(function () {
'use strict';
var meta = JSON.parse(document.getElementById('tp-meta').textContent);
var KINDS = meta.kinds;
var K_EVENT = 0, K_MARK = 1, K_SPAN_B = 2, K_SPAN_E = 3, K_COUNTER = 4, K_ISR_IN = 5, K_ISR_OUT = 6, K_LOG = 7;
var CAUSE_COLOR = { dropped: '#ebcb8b', overwritten: '#d08770', link_lost: '#bf616a', rejected: '#c586c0' };
var KIND_COLOR = ['#88c0d0', '#b48ead', '#a3be8c', '#a3be8c', '#ebcb8b', '#5e81ac', '#5e81ac', '#e5e9f0'];
var SERIES_COLOR = ['#ebcb8b', '#88c0d0', '#b48ead', '#a3be8c', '#d08770', '#8fbcbb'];

var raw = [];
var els = document.querySelectorAll('script.tp-col');
for (var ei = 0; ei < els.length; ei++) raw[+els[ei].getAttribute('data-col')] = els[ei].textContent;
function bytes(i) {
  var bin = atob(raw[i]);
  var u = new Uint8Array(bin.length);
  for (var j = 0; j < bin.length; j++) u[j] = bin.charCodeAt(j);
  raw[i] = null;
  return u;
}
function f64(i) { var u = bytes(i); return new Float64Array(u.buffer, 0, u.length / 8); }
function u32(i) { var u = bytes(i); return new Uint32Array(u.buffer, 0, u.length / 4); }
function u8(i) { return bytes(i); }

function lowerBound(a, v, lo, hi) {
  lo = lo || 0; hi = hi === undefined ? a.length : hi;
  while (lo < hi) { var m = (lo + hi) >>> 1; if (a[m] < v) lo = m + 1; else hi = m; }
  return lo;
}

function label(kind, id) {
  var n = meta.names[kind + '/' + id];
  if (n !== undefined) return n;
  if (kind === K_ISR_IN || kind === K_ISR_OUT) return 'ISR ' + id;
  if (kind === K_SPAN_B || kind === K_SPAN_E) return 'span ' + id;
  return KINDS[kind] + ' ' + id;
}

// ---- data -------------------------------------------------------------------
var tMin = Infinity, tMax = -Infinity;
var lanes = meta.lanes.map(function (m) {
  var c = m.cols;
  var L = {
    meta: m, t: f64(c.t), kind: u8(c.kind), id: u32(c.id), nargs: u8(c.nargs), a0: f64(c.a0), a1: f64(c.a1),
    extra: u32(c.extra), bStart: f64(c.bStart), bEnd: f64(c.bEnd), bDepth: u8(c.bDepth), bKind: u8(c.bKind),
    bId: u32(c.bId), bFlags: u8(c.bFlags), losses: m.losses
  };
  var n = L.t.length, i;
  if (n) { tMin = Math.min(tMin, L.t[0]); tMax = Math.max(tMax, L.t[n - 1]); }
  for (i = 0; i < L.losses.length; i++) { tMin = Math.min(tMin, L.losses[i].from); tMax = Math.max(tMax, L.losses[i].to); }
  // instants: events, marks and logs (counters have their graph, pairs their bars)
  var ni = 0;
  for (i = 0; i < n; i++) { var k = L.kind[i]; if (k === K_EVENT || k === K_MARK || k === K_LOG) ni++; }
  L.inst = new Uint32Array(ni); L.instT = new Float64Array(ni); ni = 0;
  var series = {}, order = [];
  for (i = 0; i < n; i++) {
    var kk = L.kind[i];
    if (kk === K_EVENT || kk === K_MARK || kk === K_LOG) { L.inst[ni] = i; L.instT[ni++] = L.t[i]; }
    else if (kk === K_COUNTER) {
      var key = L.id[i];
      if (!series[key]) { series[key] = { id: key, idx: [] }; order.push(key); }
      series[key].idx.push(i);
    }
  }
  L.series = order.map(function (key, si) {
    var s = series[key], len = s.idx.length, t = new Float64Array(len), v = new Float64Array(len), lo = Infinity, hi = -Infinity;
    for (var j = 0; j < len; j++) { t[j] = L.t[s.idx[j]]; v[j] = L.a0[s.idx[j]]; if (v[j] < lo) lo = v[j]; if (v[j] > hi) hi = v[j]; }
    return { id: s.id, t: t, v: v, lo: lo, hi: hi, color: SERIES_COLOR[si % SERIES_COLOR.length] };
  });
  // bar rows: per depth, indices sorted by start. Within one row, properly nested
  // pairs never overlap, which is what makes the level-of-detail skip exact.
  var depthRows = Math.max(1, Math.min(m.max_depth, 8));
  var perRow = [];
  for (i = 0; i < depthRows; i++) perRow.push([]);
  for (i = 0; i < L.bStart.length; i++) perRow[Math.min(L.bDepth[i], depthRows - 1)].push(i);
  L.rows = perRow.map(function (list) {
    var idx = Uint32Array.from(list);
    idx.sort(function (a, b) { return L.bStart[a] - L.bStart[b]; });
    var st = new Float64Array(idx.length), maxDur = 0;
    for (var j = 0; j < idx.length; j++) { st[j] = L.bStart[idx[j]]; var d = L.bEnd[idx[j]] - st[j]; if (d > maxDur) maxDur = d; }
    return { idx: idx, start: st, maxDur: maxDur };
  });
  for (i = 0; i < L.bEnd.length; i++) tMax = Math.max(tMax, L.bEnd[i]);
  return L;
});
if (!isFinite(tMin)) { tMin = 0; tMax = 1000; }
if (tMax <= tMin) tMax = tMin + 1000;

// ---- header -----------------------------------------------------------------
function el(tag, text, cls) {
  var e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
var head = el('div'); head.id = 'tp-head';
head.appendChild(el('h1', 'tracepipe: ' + meta.title));
var table = el('table'); table.id = 'tp-summary';
var hr = el('tr');
['core', 'generated', 'decoded', 'dropped', 'overwritten', 'link_lost', 'rejected', 'identity'].forEach(function (h) { hr.appendChild(el('th', h)); });
table.appendChild(hr);
var multiSession = meta.stats.some(function (s) { return s.session !== 0; });
meta.stats.forEach(function (s) {
  var tr = el('tr'); tr.setAttribute('data-core', String(s.core));
  tr.appendChild(el('td', (multiSession ? 's' + s.session + ' ' : '') + 'core ' + s.core));
  ['generated', 'decoded', 'dropped', 'overwritten', 'link_lost', 'rejected'].forEach(function (f) {
    var td = el('td', s[f], f !== 'generated' && f !== 'decoded' && s[f] > 0 ? 'tp-bad' : '');
    td.setAttribute('data-field', f);
    tr.appendChild(td);
  });
  tr.appendChild(el('td', s.identity ? 'holds' : 'BROKEN', s.identity ? 'tp-ok' : 'tp-bad'));
  table.appendChild(tr);
});
head.appendChild(table);
var infoParts = [];
meta.sessions.forEach(function (s) {
  infoParts.push('session ' + s.session + ': ' + s.cores + ' core(s), timer ' + s.timer_hz + ' Hz, ' + s.mode + ' mode' + (s.build_id ? ', build-id ' + s.build_id : ''));
});
if (meta.wall_clock) infoParts.push('t=0 is ' + meta.wall_clock.origin_utc + ' (drift ' + meta.wall_clock.drift_ppm.toFixed(2) + ' ppm, ' + (meta.wall_clock.samples < 4 ? 'no error bound' : 'error <= ' + Math.round(meta.wall_clock.error_ns) + ' ns') + ')');
if (meta.omitted.window) infoParts.push(meta.omitted.window + ' event(s) outside the chosen window not embedded');
if (meta.omitted.limit) infoParts.push('ONLY THE FIRST EVENTS ARE SHOWN: ' + meta.omitted.limit + ' event(s) from t=' + fmtDur(Number(meta.omitted.firstLimitedNs)) + ' on are not embedded (tracepipe view --from/--to selects a window)');
if (meta.notices.warning || meta.notices.error) infoParts.push('decoder notices: ' + meta.notices.error + ' error(s), ' + meta.notices.warning + ' warning(s)');
head.appendChild(el('div', infoParts.join(' | '), '')).id = 'tp-info';
var legend = el('div'); legend.id = 'tp-legend';
[['ISR', '#5e81ac'], ['span', '#a3be8c'], ['no end seen', '#4c566a'], ['event', KIND_COLOR[K_EVENT]], ['mark', KIND_COLOR[K_MARK]], ['log', KIND_COLOR[K_LOG]],
 ['dropped', CAUSE_COLOR.dropped], ['overwritten', CAUSE_COLOR.overwritten], ['link_lost', CAUSE_COLOR.link_lost], ['rejected', CAUSE_COLOR.rejected]].forEach(function (p) {
  var sw = el('span', '', 'tp-sw'); sw.style.background = p[1];
  legend.appendChild(sw); legend.appendChild(el('span', p[0], 'tp-lg'));
});
head.appendChild(legend);
head.appendChild(el('div', 'wheel or +/- zoom, drag or arrow keys / a d pan, 0 resets, hover for details')).id = 'tp-help';
document.body.insertBefore(head, document.body.firstChild);

var wrap = el('div'); wrap.id = 'tp-wrap';
var canvas = document.createElement('canvas'); canvas.id = 'tp-canvas'; canvas.tabIndex = 0;
var tip = el('div'); tip.id = 'tp-tip';
wrap.appendChild(canvas); document.body.appendChild(wrap); document.body.appendChild(tip);
var ctx = canvas.getContext('2d');

// ---- per-event statistics and the event list ---------------------------------
// The table is stats --events (host/src/core/event-stats.ts). The list shows the first
// LIST_MAX matching events in time order; a click on a row moves the timeline to it, a
// click on a table row filters the list to that event.
var GROUP_OF = ['event', 'mark', 'span', 'span', 'counter', 'isr', 'isr', 'log'];
var LIST_MAX = 200;
var selected = null;
/** set by a click on a table row; any edit of the filters clears it */
var idFilter = null;
var listState = { matching: 0, shown: 0 };
var panel = el('div'); panel.id = 'tp-panel';
function headRow(names, left) {
  var tr = el('tr');
  names.forEach(function (h, i) { tr.appendChild(el('th', h, i < left ? 'tp-l' : '')); });
  var th = el('thead'); th.appendChild(tr); return th;
}
function cell(tr, text, left) { tr.appendChild(el('td', text === null || text === undefined ? '-' : text, left ? 'tp-l' : '')); }
function nsText(v) { return v === null || v === undefined ? '-' : fmtDur(Number(v)); }
panel.appendChild(el('h2', 'per-event statistics (pairs cut by a loss excluded; ISR cpu share inclusive of nested ISRs)'));
var evTable = el('table'); evTable.id = 'tp-evstats';
evTable.appendChild(headRow(['core', 'kind', 'name', 'count', 'rate/s', 'pairs', 'cut', 'min', 'mean', 'p50', 'p99', 'max', 'cpu share', 'counter min', 'counter max', 'last'], 3));
var evBody = el('tbody');
var laneOf = function (session, core) {
  for (var i = 0; i < lanes.length; i++) if (lanes[i].meta.session === session && lanes[i].meta.core === core) return i;
  return -1;
};
meta.event_stats.forEach(function (r) {
  var tr = el('tr'), d = r.durations, c = r.counter;
  cell(tr, (multiSession ? 's' + (r.session || 0) + ' ' : '') + r.core, true); cell(tr, r.kind, true); cell(tr, r.name, true);
  cell(tr, r.count); cell(tr, r.rate_per_s === null ? null : r.rate_per_s.toFixed(1));
  cell(tr, d ? d.pairs : ''); cell(tr, d ? d.cut : '');
  cell(tr, d ? nsText(d.min_ns) : ''); cell(tr, d ? nsText(d.mean_ns) : ''); cell(tr, d ? nsText(d.p50_ns) : ''); cell(tr, d ? nsText(d.p99_ns) : ''); cell(tr, d ? nsText(d.max_ns) : '');
  cell(tr, r.cpu_share === undefined ? '' : r.cpu_share === null ? null : (r.cpu_share * 100).toFixed(3) + ' %');
  cell(tr, c ? c.min : ''); cell(tr, c ? c.max : ''); cell(tr, c ? c.last : '');
  tr.addEventListener('click', function () {
    // by id, not by text: the row's name and the timeline's label of a raw id differ
    searchBox.value = ''; kindSel.value = r.kind; coreSel.value = String(laneOf(r.session || 0, r.core));
    idFilter = { id: r.id, name: r.name }; refreshList();
  });
  evBody.appendChild(tr);
});
evTable.appendChild(evBody);
panel.appendChild(evTable);
panel.appendChild(el('h2', 'events'));
var filter = el('div'); filter.id = 'tp-filter';
var searchBox = document.createElement('input'); searchBox.type = 'search'; searchBox.id = 'tp-search'; searchBox.placeholder = 'search name or text';
var kindSel = document.createElement('select'); kindSel.id = 'tp-kind';
[['', 'all kinds'], ['event', 'event'], ['mark', 'mark'], ['span', 'span'], ['isr', 'isr'], ['counter', 'counter'], ['log', 'log']].forEach(function (o) {
  var op = el('option', o[1]); op.value = o[0]; kindSel.appendChild(op);
});
var coreSel = document.createElement('select'); coreSel.id = 'tp-core';
var allOp = el('option', 'all cores'); allOp.value = ''; coreSel.appendChild(allOp);
lanes.forEach(function (L, li) { var op = el('option', (multiSession ? 's' + L.meta.session + ' ' : '') + 'core ' + L.meta.core); op.value = String(li); coreSel.appendChild(op); });
var listInfo = el('span'); listInfo.id = 'tp-list-info';
filter.appendChild(searchBox); filter.appendChild(kindSel); filter.appendChild(coreSel); filter.appendChild(listInfo);
panel.appendChild(filter);
var listTable = el('table'); listTable.id = 'tp-list';
listTable.appendChild(headRow(['time', 'core', 'kind', 'name', 'details'], 5));
var listBody = el('tbody'); listTable.appendChild(listBody);
var listWrap = el('div'); listWrap.id = 'tp-listwrap'; listWrap.appendChild(listTable);
panel.appendChild(listWrap);

function detailOf(L, i) {
  var x = L.extra[i];
  if (x) { var e = meta.extras[x - 1]; return e.text !== undefined ? e.text : e.blob !== undefined ? e.blob : e.args.join(', '); }
  if (L.nargs[i] === 1) return String(L.a0[i]);
  if (L.nargs[i] === 2) return L.a0[i] + ', ' + L.a1[i];
  return '';
}
function refreshList() {
  var q = searchBox.value.toLowerCase(), g = kindSel.value, cs = coreSel.value, found = [], matching = 0;
  lanes.forEach(function (L, li) {
    if (cs !== '' && String(li) !== cs) return;
    var labels = {}, taken = 0;
    for (var i = 0; i < L.t.length; i++) {
      var k = L.kind[i];
      if (g !== '' && GROUP_OF[k] !== g) continue;
      if (idFilter && L.id[i] !== idFilter.id) continue;
      if (q) {
        var key = k + '/' + L.id[i], lab = labels[key];
        if (lab === undefined) lab = labels[key] = label(k, L.id[i]).toLowerCase();
        var hit = lab.indexOf(q) >= 0;
        if (!hit && L.extra[i]) { var tx = meta.extras[L.extra[i] - 1].text; hit = tx !== undefined && tx.toLowerCase().indexOf(q) >= 0; }
        if (!hit) continue;
      }
      matching++;
      // each lane is in time order: its first LIST_MAX matches hold every one the merge can take
      if (taken < LIST_MAX) { found.push({ L: L, li: li, i: i }); taken++; }
    }
  });
  found.sort(function (a, b) { return a.L.t[a.i] - b.L.t[b.i] || a.li - b.li; });
  found = found.slice(0, LIST_MAX);
  while (listBody.firstChild) listBody.removeChild(listBody.firstChild);
  found.forEach(function (f) {
    var L = f.L, i = f.i, k = L.kind[i], tr = el('tr');
    tr.setAttribute('data-t', String(L.t[i])); tr.setAttribute('data-lane', String(f.li));
    if (selected && selected.L === L && selected.i === i) tr.className = 'tp-sel';
    cell(tr, fmtDur(L.t[i]), true); cell(tr, (multiSession ? 's' + L.meta.session + ' ' : '') + L.meta.core, true);
    cell(tr, KINDS[k], true); cell(tr, label(k, L.id[i]), true); cell(tr, detailOf(L, i), true);
    tr.addEventListener('click', function () {
      var old = listBody.querySelector('tr.tp-sel'); if (old) old.className = '';
      tr.className = 'tp-sel';
      jumpTo(L, i);
    });
    listBody.appendChild(tr);
  });
  listState = { matching: matching, shown: found.length };
  listInfo.textContent = (idFilter ? idFilter.name + ' (id ' + idFilter.id + '): ' : '') + (matching > found.length ? 'first ' + found.length + ' of ' + matching + ' matching events' : matching + ' matching event(s)');
  schedule();
}
/** Centres the timeline on the event, zooming in to at most a twentieth of the trace. */
function jumpTo(L, i) {
  selected = { L: L, i: i };
  var t = L.t[i], w = Math.min(v1 - v0, full / 20);
  setView(t - w / 2, t + w / 2);
}
function userFilter() { idFilter = null; refreshList(); }
searchBox.addEventListener('input', userFilter);
kindSel.addEventListener('change', userFilter);
coreSel.addEventListener('change', userFilter);
document.body.appendChild(panel);

// ---- layout -----------------------------------------------------------------
var LABEL_W = 96, AXIS_H = 26, ROW_H = 14, INST_H = 14, CNT_H = 40, GAP = 10;
var y = AXIS_H;
lanes.forEach(function (L) {
  L.y0 = y;
  L.barY = y; y += L.rows.length * ROW_H;
  L.instY = y; y += INST_H;
  // room for the three label lines of the lane when it has few rows
  if (y - L.y0 < 30) { y = L.y0 + 30; L.instY = y - INST_H; }
  L.cntY = y; if (L.series.length) y += CNT_H;
  L.y1 = y; y += GAP;
});
var totalH = Math.max(y, 80);
var W = 800, dpr = 1;
function resize() {
  dpr = window.devicePixelRatio || 1;
  W = Math.max(300, wrap.clientWidth || document.documentElement.clientWidth || 800);
  canvas.style.height = totalH + 'px';
  canvas.width = Math.round(W * dpr); canvas.height = Math.round(totalH * dpr);
  schedule();
}

// ---- view -------------------------------------------------------------------
var full = tMax - tMin, pad = full * 0.01;
var v0 = tMin - pad, v1 = tMax + pad;
function plotW() { return W - LABEL_W; }
function xOf(t) { return LABEL_W + (t - v0) / (v1 - v0) * plotW(); }
function tOf(x) { return v0 + (x - LABEL_W) / plotW() * (v1 - v0); }
function setView(a, b) {
  var span = b - a, minSpan = 10, maxSpan = (full + 2 * pad) * 4;
  if (span < minSpan) { var c = (a + b) / 2; a = c - minSpan / 2; b = c + minSpan / 2; }
  if (span > maxSpan) { var c2 = (a + b) / 2; a = c2 - maxSpan / 2; b = c2 + maxSpan / 2; }
  v0 = a; v1 = b; schedule(); saveHash();
}
function zoomAt(t, f) { setView(t - (t - v0) * f, t + (v1 - t) * f); }
function pan(frac) { var d = (v1 - v0) * frac; setView(v0 + d, v1 + d); }

function fmtDur(ns) {
  var a = Math.abs(ns);
  if (a >= 1e9) return (ns / 1e9).toFixed(a >= 1e10 ? 3 : 6) + ' s';
  if (a >= 1e6) return (ns / 1e6).toFixed(3) + ' ms';
  if (a >= 1e3) return (ns / 1e3).toFixed(3) + ' us';
  return ns.toFixed(0) + ' ns';
}

// ---- drawing ----------------------------------------------------------------
var drawn = { frames: 0, lanes: 0, bars: 0, instants: 0, counterPoints: 0, losses: 0, lod: false, lastDrawMs: 0 };
var lossRects = [];
var pending = false;
function schedule() { if (!pending) { pending = true; requestAnimationFrame(draw); } }

function drawAxis() {
  ctx.fillStyle = '#161b24'; ctx.fillRect(0, 0, W, AXIS_H);
  var span = v1 - v0, step = Math.pow(10, Math.floor(Math.log10(span / 8)));
  if (span / step > 16) step *= 5; else if (span / step > 8) step *= 2;
  ctx.fillStyle = '#8f9bb3'; ctx.strokeStyle = '#242b38'; ctx.font = '11px sans-serif'; ctx.textBaseline = 'middle';
  for (var t = Math.ceil(v0 / step) * step; t <= v1; t += step) {
    var x = Math.round(xOf(t)) + 0.5;
    if (x < LABEL_W) continue;
    ctx.beginPath(); ctx.moveTo(x, AXIS_H - 6); ctx.lineTo(x, totalH); ctx.stroke();
    ctx.fillText(fmtDur(t), x + 3, AXIS_H / 2);
  }
  ctx.fillText('span ' + fmtDur(span), 6, AXIS_H / 2);
}

function drawBars(L) {
  for (var r = 0; r < L.rows.length; r++) {
    var row = L.rows[r], st = row.start, idx = row.idx, yy = L.barY + r * ROW_H + 1;
    var i = lowerBound(st, v0 - row.maxDur), n = st.length;
    while (i < n && st[i] <= v1) {
      var b = idx[i], s = st[i], e = L.bEnd[b];
      if (e >= v0) {
        var xs = xOf(s), xe = xOf(e);
        if (xe - xs < 1) {
          // Sub-pixel: everything starting in this pixel column but the last one ends
          // inside it (rows do not overlap), so draw the last one and skip the rest.
          var j = lowerBound(st, tOf(Math.floor(xs) + 1), i + 1) - 1;
          if (j > i) { b = idx[j]; e = L.bEnd[b]; xe = xOf(e); i = j; }
        }
        var x0 = Math.max(LABEL_W, xs), w = Math.max(1, Math.min(W, xe) - x0);
        ctx.fillStyle = L.bKind[b] === 0 ? '#5e81ac' : '#a3be8c';
        if (L.bFlags[b] & 1) ctx.fillStyle = '#4c566a';
        ctx.fillRect(x0, yy, w, ROW_H - 2);
        drawn.bars++;
        if (w > 40) {
          ctx.fillStyle = '#11151c'; ctx.font = '10px sans-serif'; ctx.textBaseline = 'middle';
          ctx.save(); ctx.beginPath(); ctx.rect(x0, yy, w, ROW_H - 2); ctx.clip();
          ctx.fillText(label(L.bKind[b] === 0 ? K_ISR_IN : K_SPAN_B, L.bId[b]), x0 + 3, yy + ROW_H / 2 - 1);
          ctx.restore();
        }
      }
      i++;
    }
  }
}

function drawInstants(L) {
  var T = L.instT, lo = lowerBound(T, v0), hi = lowerBound(T, v1 + 1e-9), n = hi - lo, pw = plotW(), yy = L.instY + 1, h = INST_H - 2;
  if (n <= pw * 2) {
    for (var i = lo; i < hi; i++) {
      var k = L.kind[L.inst[i]];
      ctx.fillStyle = KIND_COLOR[k];
      ctx.fillRect(Math.floor(xOf(T[i])), yy + (k === K_MARK ? 0 : 3), k === K_MARK ? 2 : 1, k === K_MARK ? h : h - 3);
      drawn.instants++;
    }
  } else {
    // level of detail: one density column per pixel, found by binary search
    drawn.lod = true;
    ctx.fillStyle = '#88c0d0';
    var a = lo;
    for (var px = 0; px < pw; px++) {
      var b = lowerBound(T, tOf(LABEL_W + px + 1), a, hi), c = b - a;
      if (c > 0) {
        var hh = Math.min(h, 2 + Math.log2(c + 1) * 1.5);
        ctx.globalAlpha = Math.min(1, 0.35 + Math.log2(c + 1) / 10);
        ctx.fillRect(LABEL_W + px, yy + h - hh, 1, hh);
        drawn.instants++;
      }
      a = b;
    }
    ctx.globalAlpha = 1;
  }
}

function drawCounters(L) {
  if (!L.series.length) return;
  var y0 = L.cntY + 2, h = CNT_H - 4, pw = plotW();
  ctx.fillStyle = '#161b24'; ctx.fillRect(LABEL_W, L.cntY, pw, CNT_H);
  var lx = LABEL_W + 4;
  ctx.font = '10px sans-serif'; ctx.textBaseline = 'top';
  L.series.forEach(function (s) {
    var text = label(K_COUNTER, s.id) + ' ' + s.lo + '..' + s.hi;
    ctx.fillStyle = s.color; ctx.fillText(text, lx, L.cntY + 2);
    lx += ctx.measureText(text).width + 14;
  });
  L.series.forEach(function (s) {
    var range = s.hi - s.lo || 1;
    function yv(v) { return y0 + h - (v - s.lo) / range * h; }
    var lo = Math.max(0, lowerBound(s.t, v0) - 1), hi = Math.min(s.t.length, lowerBound(s.t, v1) + 1), n = hi - lo;
    ctx.strokeStyle = s.color; ctx.lineWidth = 1;
    if (n <= 0) return;
    if (n <= pw * 3) {
      ctx.beginPath();
      for (var i = lo; i < hi; i++) {
        var x = xOf(s.t[i]), yy = yv(s.v[i]);
        if (i === lo) ctx.moveTo(x, yy); else { ctx.lineTo(x, yv(s.v[i - 1])); ctx.lineTo(x, yy); }
        drawn.counterPoints++;
      }
      ctx.lineTo(Math.min(W, xOf(s.t[hi - 1]) + 0), yv(s.v[hi - 1]));
      ctx.stroke();
    } else {
      drawn.lod = true;
      ctx.fillStyle = s.color;
      var a = lo;
      for (var px = 0; px < pw; px++) {
        var b = lowerBound(s.t, tOf(LABEL_W + px + 1), a, hi);
        if (b > a) {
          var mn = Infinity, mx = -Infinity;
          for (var j = a; j < b; j++) { var v = s.v[j]; if (v < mn) mn = v; if (v > mx) mx = v; }
          var ya = yv(mx), yb = yv(mn);
          ctx.fillRect(LABEL_W + px, ya, 1, Math.max(1, yb - ya));
          drawn.counterPoints++;
        }
        a = b;
      }
    }
  });
}

function drawLosses(L) {
  for (var i = 0; i < L.losses.length; i++) {
    var l = L.losses[i];
    if (l.to < v0 || l.from > v1) continue;
    var xs = Math.max(LABEL_W, xOf(l.from)), xe = Math.min(W, Math.max(xOf(l.to), xOf(l.from) + 2));
    var col = CAUSE_COLOR[l.cause] || '#bf616a';
    ctx.globalAlpha = 0.28; ctx.fillStyle = col; ctx.fillRect(xs, L.y0, Math.max(2, xe - xs), L.y1 - L.y0);
    ctx.globalAlpha = 1; ctx.fillRect(xs, L.y0, Math.max(2, xe - xs), 2);
    ctx.beginPath(); ctx.moveTo(xs - 5, L.y0 - 7); ctx.lineTo(xs + 5, L.y0 - 7); ctx.lineTo(xs, L.y0); ctx.closePath(); ctx.fill();
    var text = l.cause + ' ' + l.count;
    ctx.font = '10px sans-serif'; ctx.textBaseline = 'top';
    if (xe - xs > ctx.measureText(text).width + 8) { ctx.fillStyle = '#11151c'; ctx.fillRect(xs + 2, L.y1 - 14, ctx.measureText(text).width + 4, 13); ctx.fillStyle = col; ctx.fillText(text, xs + 4, L.y1 - 13); }
    lossRects.push({ lane: L, loss: l, x0: xs - 5, x1: Math.max(xe, xs + 5), y0: L.y0 - 8, y1: L.y1 });
    drawn.losses++;
  }
}

function draw() {
  pending = false;
  var t0 = performance.now();
  drawn.bars = drawn.instants = drawn.counterPoints = drawn.losses = drawn.lanes = 0; drawn.lod = false;
  lossRects = [];
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#11151c'; ctx.fillRect(0, 0, W, totalH);
  drawAxis();
  lanes.forEach(function (L) {
    ctx.save(); ctx.beginPath(); ctx.rect(LABEL_W, L.y0 - 9, plotW(), L.y1 - L.y0 + 9); ctx.clip();
    drawBars(L); drawInstants(L); drawCounters(L);
    ctx.restore();
    ctx.save(); ctx.beginPath(); ctx.rect(LABEL_W - 5, L.y0 - 9, plotW() + 5, L.y1 - L.y0 + 9); ctx.clip();
    drawLosses(L);
    ctx.restore();
    ctx.fillStyle = '#161b24'; ctx.fillRect(0, L.y0, LABEL_W - 4, L.y1 - L.y0);
    ctx.fillStyle = '#d8dee9'; ctx.font = '12px sans-serif'; ctx.textBaseline = 'top';
    ctx.fillText((multiSession ? 's' + L.meta.session + ' ' : '') + 'core ' + L.meta.core, 6, L.y0 + 2);
    ctx.fillStyle = '#8f9bb3'; ctx.font = '10px sans-serif';
    ctx.fillText(L.meta.events + ' events', 6, L.y0 + 17);
    if (L.series.length) ctx.fillText('counters', 6, L.cntY + 4);
    drawn.lanes++;
  });
  if (selected) {
    var sx = Math.round(xOf(selected.L.t[selected.i])) + 0.5;
    if (sx >= LABEL_W && sx <= W) {
      ctx.strokeStyle = '#eceff4'; ctx.lineWidth = 1; ctx.beginPath(); ctx.moveTo(sx, selected.L.y0 - 4); ctx.lineTo(sx, selected.L.y1); ctx.stroke();
    }
  }
  drawn.frames++;
  drawn.lastDrawMs = performance.now() - t0;
  publish();
}

// ---- read-only state for tests ----------------------------------------------
var snapshot = null;
function publish() {
  snapshot = deepFreeze({
    ready: true,
    lanes: lanes.map(function (L) {
      return { session: L.meta.session, core: L.meta.core, events: L.meta.events, bars: L.meta.bars, losses: L.losses.length, series: L.series.length, y0: L.y0, y1: L.y1 };
    }),
    drawn: { frames: drawn.frames, lanes: drawn.lanes, bars: drawn.bars, instants: drawn.instants, counterPoints: drawn.counterPoints, losses: drawn.losses, lod: drawn.lod, lastDrawMs: drawn.lastDrawMs },
    view: { t0: v0, t1: v1, tMin: tMin, tMax: tMax, width: W, labelWidth: LABEL_W },
    selected: selected ? { session: selected.L.meta.session, core: selected.L.meta.core, t: selected.L.t[selected.i], kind: KINDS[selected.L.kind[selected.i]], name: label(selected.L.kind[selected.i], selected.L.id[selected.i]) } : null,
    list: { matching: listState.matching, shown: listState.shown },
    eventStats: meta.event_stats.length,
    summary: meta.stats.map(function (s) { return { session: s.session, core: s.core, generated: s.generated, decoded: s.decoded, dropped: s.dropped, overwritten: s.overwritten, link_lost: s.link_lost, rejected: s.rejected, identity: s.identity }; })
  });
}
function deepFreeze(o) {
  Object.keys(o).forEach(function (k) { if (o[k] && typeof o[k] === 'object') deepFreeze(o[k]); });
  return Object.freeze(o);
}
Object.defineProperty(window, '__tracepipeView', { get: function () { return snapshot; }, configurable: false });

// ---- hover ------------------------------------------------------------------
function showTip(lines, ev) {
  tip.textContent = lines.join('\n');
  tip.style.display = 'block';
  var x = ev.clientX + 14, yy = ev.clientY + 14;
  if (x + tip.offsetWidth > window.innerWidth) x = ev.clientX - tip.offsetWidth - 8;
  if (yy + tip.offsetHeight > window.innerHeight) yy = ev.clientY - tip.offsetHeight - 8;
  tip.style.left = x + 'px'; tip.style.top = yy + 'px';
}
function hideTip() { tip.style.display = 'none'; }
function wall(t) {
  if (!meta.wall_clock) return '';
  var ms = Number(BigInt(meta.wall_clock.origin_unix_ns) / 1000000n) + t * (1 + meta.wall_clock.drift_ppm * 1e-6) / 1e6;
  return '  (' + new Date(ms).toISOString() + ')';
}
function eventLines(L, i) {
  var k = L.kind[i], lines = [KINDS[k] + '  ' + label(k, L.id[i]), 't = ' + fmtDur(L.t[i]) + wall(L.t[i]), 'core ' + L.meta.core + ', id ' + L.id[i]];
  var x = L.extra[i];
  if (x) {
    var e = meta.extras[x - 1];
    if (e.args.length) lines.push('args: ' + e.args.join(', '));
    if (e.blob !== undefined) lines.push('blob: ' + e.blob);
    if (e.text !== undefined) lines.push('text: ' + e.text);
  } else if (L.nargs[i] === 1) lines.push('args: ' + L.a0[i]);
  else if (L.nargs[i] === 2) lines.push('args: ' + L.a0[i] + ', ' + L.a1[i]);
  return lines;
}
function hover(ev) {
  var r = canvas.getBoundingClientRect(), mx = ev.clientX - r.left, my = ev.clientY - r.top;
  if (mx < LABEL_W) { hideTip(); return; }
  for (var li = 0; li < lossRects.length; li++) {
    var q = lossRects[li];
    if (mx >= q.x0 && mx <= q.x1 && my >= q.y0 && my <= q.y0 + 12) {
      var l = q.loss;
      showTip(['LOSS: ' + l.cause, l.count + (l.cause === 'rejected' ? ' events refused by the recorder on core ' : ' events lost on core ') + q.lane.meta.core, 'window ' + fmtDur(l.from) + ' .. ' + fmtDur(l.to), 'from_ns ' + l.from_ns + ', to_ns ' + l.to_ns], ev);
      return;
    }
  }
  var t = tOf(mx), tol = (v1 - v0) / plotW() * 4;
  for (var k = 0; k < lanes.length; k++) {
    var L = lanes[k];
    if (my < L.y0 || my >= L.y1) continue;
    if (my < L.instY) {
      var row = L.rows[Math.floor((my - L.barY) / ROW_H)];
      if (!row) break;
      var j = lowerBound(row.start, t + tol) - 1, best = -1;
      for (var c = j; c >= 0 && c > j - 64; c--) { var b = row.idx[c]; if (L.bEnd[b] >= t - tol) { best = b; break; } }
      if (best >= 0) {
        var kindName = L.bKind[best] === 0 ? 'ISR' : 'span';
        var ls = [kindName + '  ' + label(L.bKind[best] === 0 ? K_ISR_IN : K_SPAN_B, L.bId[best]), 'start ' + fmtDur(L.bStart[best]) + wall(L.bStart[best]), 'duration ' + fmtDur(L.bEnd[best] - L.bStart[best])];
        if (L.bFlags[best] & 1) ls.push('(no end seen: drawn to the last event of the core)');
        if (L.bFlags[best] & 2) ls.push('(a loss happened inside: the end may belong to a later instance)');
        showTip(ls, ev); return;
      }
    } else if (my < L.cntY) {
      var T = L.instT, p = lowerBound(T, t), bi = -1, bd = Infinity;
      [p - 1, p].forEach(function (q2) { if (q2 >= 0 && q2 < T.length && Math.abs(T[q2] - t) < bd) { bd = Math.abs(T[q2] - t); bi = q2; } });
      if (bi >= 0 && bd <= tol) { showTip(eventLines(L, L.inst[bi]), ev); return; }
    } else {
      var out = [];
      L.series.forEach(function (s) {
        var q3 = lowerBound(s.t, t + 1e-9) - 1;
        if (q3 >= 0) out.push(label(K_COUNTER, s.id) + ' = ' + s.v[q3] + '  (set at ' + fmtDur(s.t[q3]) + ')');
      });
      if (out.length) { showTip(out, ev); return; }
    }
  }
  hideTip();
}

// ---- input ------------------------------------------------------------------
var drag = null;
canvas.addEventListener('wheel', function (ev) {
  ev.preventDefault();
  var r = canvas.getBoundingClientRect();
  var f = Math.exp((ev.deltaMode === 1 ? ev.deltaY * 16 : ev.deltaY) * 0.002);
  if (ev.shiftKey) { pan(ev.deltaY / 1000); return; }
  zoomAt(tOf(Math.max(LABEL_W, ev.clientX - r.left)), f);
}, { passive: false });
canvas.addEventListener('mousedown', function (ev) { drag = { x: ev.clientX, a: v0, b: v1 }; canvas.style.cursor = 'grabbing'; canvas.focus(); });
window.addEventListener('mouseup', function () { drag = null; canvas.style.cursor = 'grab'; });
window.addEventListener('mousemove', function (ev) {
  if (drag) {
    var d = (ev.clientX - drag.x) / plotW() * (drag.b - drag.a);
    setView(drag.a - d, drag.b - d); hideTip(); return;
  }
  if (ev.target === canvas) hover(ev); else hideTip();
});
canvas.addEventListener('mouseleave', hideTip);
window.addEventListener('keydown', function (ev) {
  // typing in the search box is not a zoom or pan
  var tg = ev.target && ev.target.tagName;
  if (tg === 'INPUT' || tg === 'SELECT') return;
  var c = (v0 + v1) / 2, key = ev.key;
  if (key === '+' || key === '=' || key === 'w') zoomAt(c, 0.5);
  else if (key === '-' || key === '_' || key === 's') zoomAt(c, 2);
  else if (key === 'ArrowLeft' || key === 'a') pan(-0.2);
  else if (key === 'ArrowRight' || key === 'd') pan(0.2);
  else if (key === '0' || key === 'Home') setView(tMin - pad, tMax + pad);
  else return;
  ev.preventDefault();
});
// #view=<t0_ns>,<t1_ns> opens a given window and follows the view, so a link or a
// reload keeps the place.
var hm = /^#view=(-?[\d.e+]+),(-?[\d.e+]+)$/.exec(location.hash);
if (hm && +hm[2] > +hm[1]) { v0 = +hm[1]; v1 = +hm[2]; }
var hashTimer = 0;
function saveHash() {
  clearTimeout(hashTimer);
  hashTimer = setTimeout(function () {
    try { history.replaceState(null, '', '#view=' + Math.round(v0) + ',' + Math.round(v1)); } catch (e) { /* file: URLs in some browsers */ }
  }, 300);
}
window.addEventListener('resize', resize);
refreshList();
resize();
})();
`;
