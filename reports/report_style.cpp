// The pages' CSS, and the error hook every page runs first.
#include "reports/report_assets.h"

namespace slotsim::reports {

const std::string_view kPageStyle = R"css(
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 24px 40px; color: #222; }
h1 { font-size: 20px; margin: 16px 0 8px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; }
h3 { font-size: 14px; margin: 14px 0 4px; }
.dim { color: #777; } code, .cmd { font: 13px ui-monospace, monospace; }
.cmd { background: #f3f3f3; padding: 1px 6px; border-radius: 3px; user-select: all; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; color: #fff; font-size: 13px; font-weight: 600; }
.verdict-pass { background: #2ca02c; } .verdict-safety { background: #d62728; }
.verdict-liveness { background: #e67e00; } .verdict-crash { background: #7b3fa0; }
.invariant { color: #b00; font-family: ui-monospace, monospace; }
.back { font-size: 13px; }
table { border-collapse: collapse; }
.header-table th { text-align: left; vertical-align: top; padding: 2px 12px 2px 0; color: #555; font-weight: 500; }
.header-table td { padding: 2px 0; }
.violation { border-left: 4px solid #d62728; background: #fff6f6; padding: 6px 12px; margin: 8px 0; }
.explanation { font-family: ui-monospace, monospace; font-size: 13px; white-space: pre-wrap; margin: 4px 0; }
.cited { margin: 4px 0; } .cited-op { margin: 2px 0; }
.notice { background: #fffbe6; border: 1px solid #e6d9a0; padding: 8px 12px; }
.controls { margin: 6px 0; display: flex; gap: 8px; flex-wrap: wrap; align-items: center; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: #444; margin: 4px 0 8px; }
.legend span { display: inline-flex; align-items: center; gap: 4px; }
.sw, .op-swatch { display: inline-block; width: 14px; height: 10px; border: 1px solid rgba(0,0,0,.2); }
.op-ok { background: #2ca02c; } .op-fail { background: #d62728; } .op-info { background: #ff9f1c; }
.op-cited { background: #fff; border: 2px solid #000; }
.sp-primary { background: #1f4e9c; } .sp-replica { background: #8fb3e8; } .sp-down { background: #555; }
.sp-paused { background: #bbb; } .sp-partitioned { background: #f7c08f; } .sp-skewed { background: #c5b0d5; }
.sp-cluster_fail { background: #f08080; }
.mk-election { background: #f2c200; } .mk-elected { background: #15a34a; } .mk-vote { background: #888; }
.mk-epoch { background: #8e44ad; } .mk-setslot { background: #1a9c9c; } .mk-fail { background: #b00; }
.mk-fault { background: #ff2020; }
.lanes-view { display: flex; align-items: flex-start; border: 1px solid #ddd; }
.lane-labels { width: 170px; flex: none; padding-top: 22px; font: 12px ui-monospace, monospace; }
.lane-label { height: 18px; line-height: 18px; padding: 0 6px; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; border-right: 1px solid #ddd; }
.lane-label[data-kind=node] { font-weight: 600; } .lane-label[data-kind=operator] { color: #1a5fb4; }
.lanes-view canvas { flex: 1; min-width: 0; display: block; cursor: crosshair; }
#tooltip { position: fixed; display: none; pointer-events: none; background: #222; color: #fff; font: 12px ui-monospace,
  monospace; padding: 4px 8px; border-radius: 3px; max-width: 520px; white-space: pre-wrap; z-index: 10; }
table.events { width: 100%; font: 12px ui-monospace, monospace; }
table.events th { text-align: left; background: #f0f0f0; position: sticky; top: 0; padding: 2px 6px; }
table.events td { padding: 1px 6px; border-bottom: 1px solid #f0f0f0; vertical-align: top; }
table.events td:last-child { word-break: break-all; }
tr.src-history td { color: #345; } tr.src-history.op-ok td:nth-child(4) { color: #2ca02c; }
tr.src-history.op-fail td:nth-child(4) { color: #d62728; } tr.src-history.op-info td:nth-child(4) { color: #c77700; }
tr.cited td { background: #ffecec; font-weight: 600; }
tr.flash td { background: #fff3a0 !important; }
.danger-list li.unreached, td.unreached { color: #b00; font-weight: 600; }
.danger-list li.reached { color: #1a7f37; }
table.summary th, table.summary td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; }
table.summary td.num, table.summary th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.summary tr.group-head td { background: #fafafa; font-weight: 600; }
.never { background: #fff0f0; }
.columns { columns: 4 260px; font-size: 13px; padding-left: 18px; }
details summary { cursor: pointer; margin: 10px 0 4px; font-weight: 600; }
.banner { padding: 8px 12px; margin: 8px 0; border-radius: 4px; }
.banner.bad { background: #fde8e8; border: 1px solid #e9a0a0; } .banner.good { background: #e8f7ea; border: 1px solid #9fd3a8; }
.banner.warn { background: #fff5e0; border: 1px solid #e6c280; }
)css";

const std::string_view kErrorHook = R"js(
(function () {
  var root = document.documentElement;
  function record(message) {
    root.setAttribute('data-script-errors', (root.getAttribute('data-script-errors') || '') + message + '\n');
  }
  window.addEventListener('error', function (e) {
    record('error: ' + (e.message || e) + ' at ' + (e.filename || '') + ':' + (e.lineno || ''));
  });
  window.addEventListener('unhandledrejection', function (e) { record('unhandled rejection: ' + e.reason); });
})();
)js";

const std::string_view kCampaignPageScript = R"js(
(function () {
  'use strict';
  var input = document.getElementById('failure-filter');
  if (input) {
    input.addEventListener('input', function () {
      var needle = input.value.toLowerCase();
      document.querySelectorAll('tr[data-failure]').forEach(function (row) {
        row.style.display = row.textContent.toLowerCase().indexOf(needle) >= 0 ? '' : 'none';
      });
    });
  }
  document.documentElement.setAttribute('data-rendered', '1');
})();
)js";

}  // namespace slotsim::reports
