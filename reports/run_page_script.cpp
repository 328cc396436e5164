// The run page's script: draws the timeline and slot charts on canvases
// (a 100k-event run stays fast: only visible items are drawn, items under
// one pixel merge), and pages through the event table instead of building
// a row for every event.
#include "reports/report_assets.h"

namespace slotsim::reports {

const std::string_view kRunPageScript = R"js(
(function () {
'use strict';
var root = document.documentElement;
var D = JSON.parse(document.getElementById('run-data').textContent);
var LANE_H = 18, AXIS_H = 22, PAGE = 200;
var END = Math.max(D.end, 1);
var view = { t0: 0, t1: END };
var OP_COLOR = ['#2ca02c', '#d62728', '#ff9f1c'], OP_TYPE = ['ok', 'fail', 'info'];
var PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f',
               '#bab0ac', '#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02'];
var tooltip = document.getElementById('tooltip');

function fmt(ns) { return (ns / 1e9).toFixed(6) + 's'; }
function esc(s) {
  return String(s).replace(/[&<>"']/g, function (c) {
    return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
  });
}
function lowerBound(list, key, value) {  // first i with key(list[i]) >= value
  var lo = 0, hi = list.length;
  while (lo < hi) { var mid = (lo + hi) >> 1; if (key(list[mid]) < value) lo = mid + 1; else hi = mid; }
  return lo;
}

// ---- indexes ----
var histPos = new Map(), eventPos = new Map();
D.hist.forEach(function (h, i) { histPos.set(h[0], i); });
D.events.forEach(function (e, i) { eventPos.set(e[0], i); });
var cited = new Set();
D.violations.forEach(function (v) { v.hist.forEach(function (h) { cited.add(h); }); });
var lanes = D.lanes.length;
function byLane(items, laneOf) {
  var out = []; for (var l = 0; l < lanes; l++) out.push([]);
  items.forEach(function (item, i) { var l = laneOf(item); if (l >= 0 && l < lanes) out[l].push(i); });
  return out;
}
var opsByLane = byLane(D.ops, function (o) { return o[0]; });
var spansByLane = byLane(D.spans, function (s) { return s[0]; });
var marksByLane = byLane(D.marks, function (m) { return m[0]; });
marksByLane.forEach(function (list) { list.sort(function (a, b) { return D.marks[a][1] - D.marks[b][1]; }); });
var citedOps = [];
D.ops.forEach(function (o, i) { if (cited.has(o[4]) || cited.has(o[5])) citedOps.push(i); });

// ---- canvases ----
function prepare(canvas, height) {
  var ratio = window.devicePixelRatio || 1;
  canvas.style.height = height + 'px';
  var width = Math.max(canvas.clientWidth, 100);
  canvas.width = Math.floor(width * ratio);
  canvas.height = Math.floor(height * ratio);
  var ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx: ctx, w: width, h: height };
}
function scale(w) { return w / Math.max(view.t1 - view.t0, 1); }
function drawAxis(ctx, w, h) {
  var span = view.t1 - view.t0, target = span / Math.max(w / 110, 1);
  var step = Math.pow(10, Math.floor(Math.log10(Math.max(target, 1))));
  if (target / step > 5) step *= 5; else if (target / step > 2) step *= 2;
  var sx = scale(w);
  ctx.fillStyle = '#f7f7f7'; ctx.fillRect(0, 0, w, AXIS_H);
  ctx.font = '11px ui-monospace, monospace'; ctx.textBaseline = 'middle';
  for (var t = Math.ceil(view.t0 / step) * step; t <= view.t1; t += step) {
    var x = (t - view.t0) * sx;
    ctx.fillStyle = '#eee'; ctx.fillRect(x, AXIS_H, 1, h - AXIS_H);
    ctx.fillStyle = '#555'; ctx.fillText(step >= 1e9 ? (t / 1e9) + 's' : (t / 1e6).toFixed(step >= 1e6 ? 0 : 3) + 'ms',
                                         x + 2, AXIS_H / 2);
  }
}
function labels(container, items) {
  container.innerHTML = items.map(function (item) {
    return '<div class="lane-label" data-lane="' + esc(item.id) + '" data-kind="' + esc(item.kind) + '" title="' +
      esc(item.label) + '">' + esc(item.label) + '</div>';
  }).join('');
}

// ---- the timeline ----
var tl = document.getElementById('timeline-canvas');
labels(document.getElementById('timeline-labels'), D.lanes.map(function (l) {
  return { id: l[0], label: l[1], kind: l[2] };
}));
var SPAN_STYLE = {
  primary: ['#1f4e9c', 'band'], replica: ['#8fb3e8', 'band'], down: ['rgba(60,60,60,0.6)', 'full'],
  paused: ['rgba(150,150,150,0.45)', 'full'], partitioned: ['rgba(242,142,43,0.35)', 'full'],
  skewed: ['rgba(148,103,189,0.6)', 'top'], cluster_fail: ['rgba(214,39,40,0.7)', 'top']
};
var MARK_COLOR = { election: '#f2c200', elected: '#15a34a', promoted: '#15a34a', vote: '#888', epoch: '#8e44ad',
                   setslot: '#1a9c9c', fail: '#b00', fault: '#ff2020', operator: '#1a5fb4' };
var flashOp = -1;

function drawTimeline() {
  var c = prepare(tl, AXIS_H + lanes * LANE_H), ctx = c.ctx, w = c.w, sx = scale(w);
  function X(t) { return (t - view.t0) * sx; }
  ctx.clearRect(0, 0, w, c.h);
  for (var l = 0; l < lanes; l++) {
    ctx.fillStyle = l % 2 ? '#fbfbfb' : '#fff'; ctx.fillRect(0, AXIS_H + l * LANE_H, w, LANE_H);
  }
  drawAxis(ctx, w, c.h);
  for (l = 0; l < lanes; l++) {
    var y = AXIS_H + l * LANE_H;
    spansByLane[l].forEach(function (i) {
      var s = D.spans[i];
      if (s[2] < view.t0 || s[1] > view.t1) return;
      var style = SPAN_STYLE[s[3]] || ['rgba(0,0,0,0.2)', 'full'];
      var x0 = Math.max(X(s[1]), 0), x1 = Math.min(X(s[2]), w), width = Math.max(x1 - x0, 1);
      ctx.fillStyle = style[0];
      if (style[1] === 'band') ctx.fillRect(x0, y + LANE_H - 4, width, 3);
      else if (style[1] === 'top') ctx.fillRect(x0, y + 1, width, 3);
      else ctx.fillRect(x0, y, width, LANE_H);
    });
    var ops = opsByLane[l];
    var first = lowerBound(ops, function (i) { return D.ops[i][2]; }, view.t0);
    var lastPixel = -1, lastColor = -1;
    for (var k = first; k < ops.length; k++) {
      var o = D.ops[ops[k]];
      if (o[1] > view.t1) break;
      var a = X(o[1]), b = X(o[2]);
      ctx.fillStyle = OP_COLOR[o[3]];
      if (b - a < 1) {
        var p = Math.floor(a);
        if (p === lastPixel && o[3] === lastColor) continue;
        lastPixel = p; lastColor = o[3];
        ctx.fillRect(p, y + 4, 1, LANE_H - 8);
      } else {
        ctx.fillRect(a, y + 4, Math.max(b - a - 0.5, 1), LANE_H - 8);
        lastPixel = -1;
      }
    }
    var marks = marksByLane[l];
    first = lowerBound(marks, function (i) { return D.marks[i][1]; }, view.t0);
    for (k = first; k < marks.length; k++) {
      var m = D.marks[marks[k]];
      if (m[1] > view.t1) break;
      drawMark(ctx, X(m[1]), y, m[2], m[3]);
    }
  }
  citedOps.forEach(function (i) {
    var o = D.ops[i], y = AXIS_H + o[0] * LANE_H;
    if (o[2] < view.t0 || o[1] > view.t1) return;
    var a = X(o[1]), b = Math.max(X(o[2]), a + 3);
    ctx.strokeStyle = i === flashOp ? '#ff00ff' : '#000'; ctx.lineWidth = 2;
    ctx.strokeRect(a - 1, y + 2, b - a + 2, LANE_H - 4);
    ctx.fillStyle = '#000'; ctx.beginPath(); ctx.moveTo(a, y + 2); ctx.lineTo(a - 4, y - 3); ctx.lineTo(a + 4, y - 3);
    ctx.fill();
  });
  var labelled = -1e9;
  D.violations.forEach(function (v) {
    if (v.time < view.t0 || v.time > view.t1) return;
    var x = X(v.time);
    ctx.strokeStyle = '#d62728'; ctx.lineWidth = 1; ctx.setLineDash([4, 3]);
    ctx.beginPath(); ctx.moveTo(x, AXIS_H); ctx.lineTo(x, c.h); ctx.stroke(); ctx.setLineDash([]);
    if (x - labelled < 70) return;  // violations close together: one label is enough
    labelled = x;
    ctx.fillStyle = '#d62728'; ctx.font = 'bold 11px system-ui'; ctx.textAlign = x > w - 80 ? 'right' : 'left';
    ctx.fillText(v.invariant, x > w - 80 ? x - 3 : x + 3, AXIS_H / 2); ctx.textAlign = 'left';
  });
  document.getElementById('view-range').textContent = fmt(view.t0) + ' .. ' + fmt(view.t1);
}
function drawMark(ctx, x, y, kind, label) {
  ctx.fillStyle = MARK_COLOR[kind] || '#333';
  var mid = y + LANE_H / 2;
  ctx.beginPath();
  if (kind === 'fault') { ctx.fillRect(x - 1, y, 2, LANE_H); return; }
  if (kind === 'epoch') {
    ctx.font = 'bold 10px system-ui'; ctx.fillText('\u03b5' + label.replace(/^\D+/, ''), x + 2, y + 7);
    ctx.fillRect(x, y, 1, 6); return;
  }
  if (kind === 'election') { ctx.moveTo(x, mid - 6); ctx.lineTo(x + 5, mid); ctx.lineTo(x, mid + 6); ctx.lineTo(x - 5, mid); }
  else if (kind === 'elected' || kind === 'promoted') { ctx.moveTo(x, mid - 7); ctx.lineTo(x + 6, mid + 5); ctx.lineTo(x - 6, mid + 5); }
  else if (kind === 'setslot') { ctx.moveTo(x - 5, mid - 5); ctx.lineTo(x + 5, mid - 5); ctx.lineTo(x, mid + 5); }
  else if (kind === 'fail') { ctx.fillRect(x - 4, mid - 1, 8, 2); ctx.fillRect(x - 1, mid - 4, 2, 8); return; }
  else ctx.arc(x, mid, kind === 'vote' ? 2.5 : 4, 0, 2 * Math.PI);
  ctx.fill();
}

// What is under the pointer: a mark, an operation or a span of that lane.
function timelineHit(x, y) {
  var l = Math.floor((y - AXIS_H) / LANE_H);
  if (l < 0 || l >= lanes) return null;
  var sx = scale(tl.clientWidth), t = view.t0 + x / sx, slack = 4 / sx, best = null, bestDistance = slack;
  marksByLane[l].forEach(function (i) {
    var d = Math.abs(D.marks[i][1] - t);
    if (d <= bestDistance) { bestDistance = d; best = i; }
  });
  if (best !== null) {
    var m = D.marks[best];
    return { text: m[3] + '\n' + fmt(m[1]) + (m[4] >= 0 ? '  (event #' + m[4] + ')' : ''), row: m[4] >= 0 ? 'e' + m[4] : null };
  }
  var ops = opsByLane[l], k = lowerBound(ops, function (i) { return D.ops[i][2]; }, t - slack);
  if (k < ops.length && D.ops[ops[k]][1] <= t + slack) return { text: describeOp(ops[k]), row: 'h' + D.ops[ops[k]][4] };
  var found = null;
  spansByLane[l].forEach(function (i) { var s = D.spans[i]; if (s[1] <= t && t <= s[2]) found = s; });
  if (found) return { text: found[4] + '\n' + fmt(found[1]) + ' .. ' + fmt(found[2]), row: found[5] >= 0 ? 'e' + found[5] : null };
  return null;
}
function describeOp(i) {
  var o = D.ops[i], inv = D.hist[histPos.get(o[4])], done = o[5] >= 0 ? D.hist[histPos.get(o[5])] : null;
  var text = 'p' + inv[2] + ' ' + inv[4] + ' ' + inv[5] + (inv[6] !== 'null' ? ' ' + inv[6] : '') + '\ninvoked ' + fmt(inv[1]);
  text += done ? '\n' + done[3] + ' at ' + fmt(done[1]) + (done[4] === 'read' && done[6] !== 'null' ? ' -> ' + done[6] : '')
               : '\nnever completed';
  if (cited.has(o[4]) || cited.has(o[5])) text += '\ncited by the checker';
  return text;
}

// ---- zoom and pan, shared by every chart ----
function redraw() { drawTimeline(); drawSlots(); }
function setView(t0, t1) {
  var span = Math.min(Math.max(t1 - t0, 1000), END * 1.2);
  t0 = Math.min(Math.max(t0, -END * 0.1), END * 1.1 - span);
  view.t0 = t0; view.t1 = t0 + span;
  redraw();
}
function attachNavigation(canvas, hit) {
  var drag = null;
  canvas.addEventListener('wheel', function (e) {
    e.preventDefault();
    var sx = scale(canvas.clientWidth), at = view.t0 + e.offsetX / sx, factor = Math.exp(e.deltaY * 0.002);
    setView(at - (at - view.t0) * factor, at + (view.t1 - at) * factor);
  }, { passive: false });
  canvas.addEventListener('mousedown', function (e) { drag = { x: e.clientX, t0: view.t0, t1: view.t1, moved: false }; });
  window.addEventListener('mouseup', function () { setTimeout(function () { drag = null; }, 0); });
  canvas.addEventListener('mousemove', function (e) {
    if (drag && (e.buttons & 1)) {
      var dx = e.clientX - drag.x;
      if (Math.abs(dx) > 2) drag.moved = true;
      if (drag.moved) {
        var dt = dx / scale(canvas.clientWidth);
        setView(drag.t0 - dt, drag.t1 - dt);
      }
      return;
    }
    var h = hit(e.offsetX, e.offsetY);
    if (!h) { tooltip.style.display = 'none'; canvas.style.cursor = 'crosshair'; return; }
    tooltip.textContent = h.text; tooltip.style.display = 'block';
    tooltip.style.left = Math.min(e.clientX + 14, window.innerWidth - 540) + 'px'; tooltip.style.top = (e.clientY + 14) + 'px';
    canvas.style.cursor = h.row ? 'pointer' : 'crosshair';
  });
  canvas.addEventListener('mouseleave', function () { tooltip.style.display = 'none'; });
  canvas.addEventListener('click', function (e) {
    if (drag && drag.moved) return;
    var h = hit(e.offsetX, e.offsetY);
    if (h && h.row) jumpToRow(h.row);
  });
}
attachNavigation(tl, timelineHit);
document.querySelectorAll('[data-zoom]').forEach(function (button) {
  button.addEventListener('click', function () {
    var mid = (view.t0 + view.t1) / 2, half = (view.t1 - view.t0) / 2, how = button.getAttribute('data-zoom');
    if (how === 'all') setView(0, END);
    else if (how === 'in') setView(mid - half / 2, mid + half / 2);
    else setView(mid - half * 2, mid + half * 2);
  });
});

// ---- slot ownership ----
var nodeColor = {};
var slotNodes = D.slots.length ? D.slots[0].views.map(function (v) { return v.node; }) : [];
slotNodes.forEach(function (n, i) { nodeColor[n] = PALETTE[i % PALETTE.length]; });
var legend = document.getElementById('slot-legend');
if (legend) {
  legend.innerHTML = slotNodes.map(function (n) {
    return '<span><i class="sw" style="background:' + nodeColor[n] + '"></i>owner ' + esc(n) + '</span>';
  }).join('') + '<span><i class="sw" style="background:#ccc"></i>unknown</span>' +
    '<span><i class="sw" style="background:#fff"></i>unassigned</span><span><i class="sw sp-down"></i>down</span>';
}
function stripes(color) {
  var p = document.createElement('canvas'); p.width = p.height = 8;
  var g = p.getContext('2d'); g.strokeStyle = color; g.lineWidth = 2;
  g.beginPath(); g.moveTo(0, 8); g.lineTo(8, 0); g.stroke();
  return p;
}
var migratingPattern = stripes('rgba(0,0,0,0.55)'), importingPattern = stripes('rgba(255,255,255,0.9)');
var slotCanvases = Array.prototype.slice.call(document.querySelectorAll('canvas[data-slot]'));
function chartOf(canvas) {
  var slot = Number(canvas.getAttribute('data-slot'));
  return D.slots.filter(function (c) { return c.slot === slot; })[0];
}
function stateText(s) {
  var text = s[2] ? 'down' : (s[3] === '' ? 'unassigned' : s[3] === '?' ? 'owner unknown' : s[3]);
  if (s[4]) text += ' MIGRATING\u2192' + s[4];
  if (s[5]) text += ' IMPORTING\u2190' + s[5];
  return text;
}
function drawSlots() {
  slotCanvases.forEach(function (canvas) {
    var chart = chartOf(canvas);
    if (!chart) return;
    var c = prepare(canvas, AXIS_H + chart.views.length * LANE_H), ctx = c.ctx, sx = scale(c.w);
    ctx.clearRect(0, 0, c.w, c.h);
    drawAxis(ctx, c.w, c.h);
    ctx.font = '11px ui-monospace, monospace'; ctx.textBaseline = 'middle';
    chart.views.forEach(function (v, l) {
      var y = AXIS_H + l * LANE_H;
      v.states.forEach(function (s) {
        if (s[1] < view.t0 || s[0] > view.t1) return;
        var a = Math.max((s[0] - view.t0) * sx, 0), b = Math.min((s[1] - view.t0) * sx, c.w), width = Math.max(b - a, 1);
        ctx.fillStyle = s[2] ? '#333' : s[3] === '' ? '#fff' : s[3] === '?' ? '#ccc' : nodeColor[s[3]] || '#999';
        ctx.fillRect(a, y + 2, width, LANE_H - 4);
        if (!s[2] && (s[4] || s[5])) {
          ctx.fillStyle = ctx.createPattern(s[4] ? migratingPattern : importingPattern, 'repeat');
          ctx.fillRect(a, y + 2, width, LANE_H - 4);
        }
        var text = stateText(s);
        if (width > ctx.measureText(text).width + 6) {
          ctx.fillStyle = s[2] ? '#fff' : '#000'; ctx.fillText(text, a + 3, y + LANE_H / 2);
        }
      });
    });
  });
}
slotCanvases.forEach(function (canvas) {
  var chart = chartOf(canvas);
  if (!chart) return;
  labels(document.querySelector('[data-slot-labels="' + chart.slot + '"]'), chart.views.map(function (v) {
    return { id: v.node, label: v.node + "'s view", kind: 'slot-view' };
  }));
  attachNavigation(canvas, function (x, y) {
    var l = Math.floor((y - AXIS_H) / LANE_H);
    if (l < 0 || l >= chart.views.length) return null;
    var t = view.t0 + x / scale(canvas.clientWidth), v = chart.views[l];
    for (var i = 0; i < v.states.length; i++) {
      var s = v.states[i];
      if (s[0] <= t && t <= s[1]) {
        return { text: v.node + ' believes slot ' + chart.slot + ': ' + stateText(s) + '\n' + fmt(s[0]) + ' .. ' + fmt(s[1]) +
                       (s[6] >= 0 ? '  (since event #' + s[6] + ')' : '  (initial split)'), row: s[6] >= 0 ? 'e' + s[6] : null };
      }
    }
    return null;
  });
});

// ---- the event table ----
var eventCount = D.events.length, rowCount = eventCount + D.hist.length;
function rowTime(r) { return r < eventCount ? D.events[r][1] : D.hist[r - eventCount][1]; }
var order = new Array(rowCount);
for (var r = 0; r < rowCount; r++) order[r] = r;
var times = new Float64Array(rowCount);
for (r = 0; r < rowCount; r++) times[r] = rowTime(r);
order.sort(function (a, b) { return times[a] - times[b] || a - b; });
var filtered = order, start = 0;
var body = document.getElementById('events-body');
var textInput = document.getElementById('filter-text'), processSelect = document.getElementById('filter-process');
var kindSelect = document.getElementById('filter-kind');
var showTrace = document.getElementById('filter-trace'), showHistory = document.getElementById('filter-history');
function option(value, label) { var o = document.createElement('option'); o.value = value; o.textContent = label; return o; }
D.procs.slice().sort().forEach(function (p) { processSelect.appendChild(option('t:' + p, p)); });
Array.from(new Set(D.hist.map(function (h) { return h[2]; }))).sort(function (a, b) { return a - b; })
  .forEach(function (p) { processSelect.appendChild(option('h:' + p, 'p' + p + ' (history)')); });
D.kinds.slice().sort().forEach(function (k) { kindSelect.appendChild(option('t:' + k, k)); });
['invoke', 'ok', 'fail', 'info'].forEach(function (k) { kindSelect.appendChild(option('h:' + k, 'history ' + k)); });
function rowKey(r) { return r < eventCount ? 'e' + D.events[r][0] : 'h' + D.hist[r - eventCount][0]; }
function rowText(r) {
  if (r < eventCount) { var e = D.events[r]; return D.procs[e[2]] + ' ' + D.kinds[e[3]] + ' ' + e[4]; }
  var h = D.hist[r - eventCount]; return 'p' + h[2] + ' ' + h[3] + ' ' + h[4] + ' ' + h[5] + ' ' + h[6];
}
function applyFilter() {
  var needle = textInput.value.toLowerCase(), proc = processSelect.value, kind = kindSelect.value;
  var trace = showTrace.checked, history = showHistory.checked;
  if (!needle && !proc && !kind && trace && history) { filtered = order; return; }
  filtered = order.filter(function (r) {
    var isTrace = r < eventCount;
    if (isTrace ? !trace : !history) return false;
    if (proc) {
      if (proc[0] === 't' ? !isTrace || D.procs[D.events[r][2]] !== proc.slice(2)
                          : isTrace || String(D.hist[r - eventCount][2]) !== proc.slice(2)) return false;
    }
    if (kind) {
      if (kind[0] === 't' ? !isTrace || D.kinds[D.events[r][3]] !== kind.slice(2)
                          : isTrace || D.hist[r - eventCount][3] !== kind.slice(2)) return false;
    }
    return !needle || rowText(r).toLowerCase().indexOf(needle) >= 0;
  });
}
function renderTable(flashKey) {
  start = Math.max(0, Math.min(start, Math.max(filtered.length - PAGE, 0)));
  var html = [];
  for (var i = start; i < Math.min(start + PAGE, filtered.length); i++) {
    var r = filtered[i], key = rowKey(r), cls;
    if (r < eventCount) {
      var e = D.events[r];
      cls = 'src-trace';
      html.push('<tr id="row-' + key + '" class="' + cls + (key === flashKey ? ' flash' : '') + '"><td>' + key + '</td><td>' +
                fmt(e[1]) + '</td><td>' + esc(D.procs[e[2]]) + '</td><td>' + esc(D.kinds[e[3]]) + '</td><td>' + esc(e[4]) + '</td></tr>');
    } else {
      var h = D.hist[r - eventCount];
      cls = 'src-history op-' + esc(h[3]) + (cited.has(h[0]) ? ' cited' : '') + (key === flashKey ? ' flash' : '');
      html.push('<tr id="row-' + key + '" class="' + cls + '"><td>' + key + '</td><td>' + fmt(h[1]) + '</td><td>p' + h[2] +
                '</td><td>' + esc(h[3]) + '</td><td>' + esc(h[4] + ' ' + h[5] + (h[6] !== 'null' ? ' ' + h[6] : '')) + '</td></tr>');
    }
  }
  body.innerHTML = html.join('');
  document.getElementById('table-range').textContent = filtered.length
    ? 'rows ' + (start + 1) + '-' + Math.min(start + PAGE, filtered.length) + ' of ' + filtered.length
    : 'no rows match';
}
var pending = null;
function refilter() { applyFilter(); start = 0; renderTable(); }
textInput.addEventListener('input', function () { clearTimeout(pending); pending = setTimeout(refilter, 150); });
[processSelect, kindSelect, showTrace, showHistory].forEach(function (el) { el.addEventListener('change', refilter); });
document.getElementById('page-prev').addEventListener('click', function () { start -= PAGE; renderTable(); });
document.getElementById('page-next').addEventListener('click', function () { start += PAGE; renderTable(); });
function rowOfKey(key) {
  var pos = key[0] === 'e' ? eventPos.get(Number(key.slice(1))) : histPos.get(Number(key.slice(1)));
  if (pos === undefined) return -1;
  return key[0] === 'e' ? pos : eventCount + pos;
}
function jumpToRow(key) {
  var r = rowOfKey(key);
  if (r < 0) return;
  var at = filtered.indexOf(r);
  if (at < 0) {  // filtered out: show everything again
    textInput.value = ''; processSelect.value = ''; kindSelect.value = ''; showTrace.checked = showHistory.checked = true;
    applyFilter(); at = filtered.indexOf(r);
  }
  start = Math.max(0, at - 12);
  renderTable(key);
  var row = document.getElementById('row-' + key);
  if (row) row.scrollIntoView({ block: 'center' });
}
document.addEventListener('click', function (e) {
  var link = e.target.closest ? e.target.closest('a[data-row], a[data-op]') : null;
  if (!link) return;
  e.preventDefault();
  if (link.hasAttribute('data-row')) { jumpToRow(link.getAttribute('data-row')); return; }
  var i = Number(link.getAttribute('data-op')), o = D.ops[i];
  if (!o) return;
  var pad = Math.max((o[2] - o[1]) * 3, 50e6);
  flashOp = i;
  setView(o[1] - pad, o[2] + pad);
  document.getElementById('timeline').scrollIntoView();
});
var resizing = null;
window.addEventListener('resize', function () { clearTimeout(resizing); resizing = setTimeout(redraw, 100); });

renderTable();
redraw();
if (location.hash.indexOf('#row-') === 0) jumpToRow(location.hash.slice(5));
root.setAttribute('data-lanes', String(document.querySelectorAll('#timeline-labels .lane-label').length));
root.setAttribute('data-render-ms', String(Math.round(performance.now())));
root.setAttribute('data-rendered', '1');
})();
)js";

}  // namespace slotsim::reports
