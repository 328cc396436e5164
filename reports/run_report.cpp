#include "reports/run_report.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "cluster/danger_marks.h"
#include "reports/html.h"
#include "reports/node_directory.h"
#include "reports/report_assets.h"
#include "reports/reproduce_command.h"
#include "reports/run_timeline.h"
#include "reports/slot_views.h"
#include "reports/violation_refs.h"
#include "runner/scenario.h"

namespace slotsim::reports {

namespace {

// Charts beyond this many slots stop helping anyone read the failure.
constexpr std::size_t kMaxSlotCharts = 6;

struct ViolationView {
  std::string invariant;
  std::int64_t time_ns = 0;
  std::string detail;
  ViolationRefs refs;
};

std::vector<ViolationView> violations_of(const RunDetail& run) {
  std::vector<ViolationView> views;
  for (const auto& v : run.violations) views.push_back({v.invariant, v.time_ns, v.detail, find_references(v.detail)});
  // Older or crashed runs may have only the runs row's own explanation.
  if (views.empty() && run.run.verdict != "pass" && !run.run.detail.empty()) {
    views.push_back({run.run.invariant, run.run.sim_ns, run.run.detail, find_references(run.run.detail)});
  }
  return views;
}

// The slots the violations name (directly or through keys) first, then the
// slots the run migrated: those are where ownership went wrong.
std::vector<std::pair<int, std::string>> involved_slots(const RunDetail& run, const std::vector<ViolationView>& views) {
  std::vector<std::pair<int, std::string>> slots;
  auto add = [&](int slot, std::string why) {
    for (const auto& [s, _] : slots) {
      if (s == slot) return;
    }
    if (slots.size() < kMaxSlotCharts) slots.emplace_back(slot, std::move(why));
  };
  for (const auto& v : views) {
    for (const auto& key : v.refs.keys) {
      const auto slot_refs = find_references("key " + key);
      if (!slot_refs.slots.empty()) add(slot_refs.slots.front(), fmt::format("key {} in {}", key, v.invariant));
    }
    for (const int slot : v.refs.slots) add(slot, "named by " + v.invariant);
  }
  for (const auto& e : run.events) {
    if (e.kind != "setslot" && e.kind != "operator_move_slot" && e.kind != "operator_fix") continue;
    const auto slot = detail_field(e.detail, "slot");
    if (!slot) continue;
    try {
      add(std::stoi(*slot), "migrated in this run");
    } catch (const std::exception&) {
      // A malformed detail is shown in the table; it just names no slot.
    }
  }
  return slots;
}

std::string verdict_badge(const std::string& verdict) {
  return fmt::format(R"(<span class="badge verdict-{0}">{0}</span>)", escape_html(verdict));
}

std::string expectation(const RunRow& run) {
  try {
    const runner::Scenario scenario = runner::parse_scenario(run.scenario_text, run.scenario_file);
    const bool failed = run.verdict != "pass";
    if (scenario.expect_pass) return failed ? "NOT expected: the scenario should pass" : "as expected (pass)";
    if (failed && run.invariant == scenario.expect_invariant) {
      return "as expected: the scenario is meant to break " + scenario.expect_invariant;
    }
    return fmt::format("the scenario is meant to break {}{}", scenario.expect_invariant,
                       failed ? " (this run broke something else)" : " (not caught on this seed)");
  } catch (const std::exception&) {
    return "unknown (the stored scenario text does not parse with this slotsim)";
  }
}

// Header rows: label, HTML value.
std::string header_table(const RunDetail& detail, const RunReportOptions& options) {
  const RunRow& run = detail.run;
  std::vector<std::pair<std::string, std::string>> rows = {
      {"scenario", fmt::format("<b>{}</b> <span class=dim>({})</span>", escape_html(run.scenario),
                               escape_html(run.scenario_file.empty() ? "no file" : run.scenario_file))},
      {"seed", fmt::format("{}{}", run.seed, run.swarm ? " <span class=dim>(swarm: parameters drawn from the seed)</span>" : "")},
      {"variant", escape_html(run.variant.empty() ? "default" : run.variant)},
      {"parameters", escape_html(run.params)},
      {"verdict", verdict_badge(run.verdict) + (run.invariant.empty() ? "" : " <b class=invariant>" +
                                                                           escape_html(run.invariant) + "</b>")},
      {"expected", escape_html(expectation(run))},
      {"detail", escape_html(run.detail)},
      {"numbers", fmt::format("{} trace events, {} operations, {} simulated, {} ms wall", run.events, run.operations,
                              format_seconds(run.sim_ns), run.wall_ms)},
      {"build", fmt::format("{} <span class=dim>trace hash {}, recorded {}{}</span>", escape_html(run.build_id),
                            escape_html(run.trace_hash), escape_html(run.created),
                            run.campaign.empty() ? "" : ", campaign " + escape_html(run.campaign))},
  };
  if (run.parent_run != 0) {
    rows.push_back({"shrunk from", fmt::format("<a href=\"{}\">run {}</a>: {}", run_page_name(run.parent_run),
                                               run.parent_run, escape_html(run.shrink_note))});
  }
  std::string reproduce = fmt::format("<code class=cmd>{}</code>", escape_html(replay_command(options.db_path, run)));
  const std::string again = run_command(run);
  if (!again.empty()) {
    reproduce += fmt::format("<br><code class=cmd>{}</code>", escape_html(again));
    const std::string caveat = run_command_caveat(run);
    if (!caveat.empty()) reproduce += " <span class=dim>(" + escape_html(caveat) + ")</span>";
  }
  rows.push_back({"reproduce", reproduce});
  std::string html = "<table class=header-table>\n";
  for (const auto& [label, value] : rows) html += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", label, value);
  return html + "</table>\n";
}

std::string describe_history(const OpRow& op) {
  std::string text = fmt::format("p{} {} {}", op.process, op.type, op.f);
  if (!op.key.empty()) text += " " + op.key;
  if (op.value != "null") text += " " + op.value;
  return text;
}

std::string violations_section(const RunDetail& run, const std::vector<ViolationView>& views, const Timeline& timeline,
                               const std::vector<SlotChart>& charts) {
  if (views.empty()) return {};
  std::map<std::int64_t, const OpRow*> op_by_idx;
  for (const auto& op : run.ops) op_by_idx[op.idx] = &op;
  std::map<std::int64_t, std::size_t> bar_of;
  for (std::size_t i = 0; i < timeline.ops.size(); ++i) {
    bar_of[timeline.ops[i].invoke_idx] = i;
    if (timeline.ops[i].complete_idx >= 0) bar_of[timeline.ops[i].complete_idx] = i;
  }
  std::string html = "<section id=violations><h2>What broke</h2>\n";
  for (const auto& v : views) {
    html += fmt::format("<div class=violation><div class=violation-head><b class=invariant>{}</b> at {}</div>\n"
                        "<p class=explanation>{}</p>\n",
                        escape_html(v.invariant), format_seconds(v.time_ns), escape_html(v.detail));
    std::set<std::size_t> shown;
    std::string cited;
    for (const auto idx : v.refs.history_idx) {
      const auto bar = bar_of.find(idx);
      if (bar == bar_of.end()) {
        const auto op = op_by_idx.find(idx);
        if (op != op_by_idx.end()) {
          cited += fmt::format("<li class=cited-op>{} <a class=jump href=\"#row-h{}\" data-row=\"h{}\">events around "
                               "it</a></li>\n",
                               escape_html(describe_history(*op->second)), idx, idx);
        }
        continue;
      }
      if (!shown.insert(bar->second).second) continue;
      const OpBar& b = timeline.ops[bar->second];
      const OpRow& invoke = *op_by_idx.at(b.invoke_idx);
      const OpRow* completion = b.complete_idx >= 0 ? op_by_idx.at(b.complete_idx) : nullptr;
      std::string what = fmt::format("p{} {} {}", invoke.process, invoke.f, invoke.key);
      if (invoke.value != "null") what += " " + invoke.value;
      std::string outcome = completion == nullptr
                                ? "never completed"
                                : fmt::format("{} at {}{}", completion->type, format_seconds(completion->time_ns),
                                              completion->value != "null" && completion->f == "read"
                                                  ? " returning " + completion->value
                                                  : "");
      cited += fmt::format(
          "<li class=cited-op data-op=\"{0}\"><span class=\"op-swatch op-{1}\"></span> {2}: invoked at {3}, {4} "
          "<a class=show-op href=\"#timeline\" data-op=\"{0}\">show on the timeline</a> "
          "<a class=jump href=\"#row-h{5}\" data-row=\"h{5}\">events around it</a></li>\n",
          bar->second, completion == nullptr ? "info" : escape_html(completion->type), escape_html(what),
          format_seconds(invoke.time_ns), escape_html(outcome), invoke.idx);
    }
    if (!cited.empty()) html += "<p>The operations it cites:</p><ul class=cited>\n" + cited + "</ul>\n";
    std::string slots;
    for (const auto& chart : charts) {
      if (std::find(v.refs.slots.begin(), v.refs.slots.end(), chart.slot) == v.refs.slots.end()) continue;
      slots += fmt::format("{}<a href=\"#slot-{}\">slot {}</a>", slots.empty() ? "" : ", ", chart.slot, chart.slot);
    }
    if (!slots.empty()) html += "<p>Slot ownership: " + slots + "</p>\n";
    html += "</div>\n";
  }
  return html + "</section>\n";
}

std::string coverage_section(const RunDetail& run) {
  if (run.coverage.empty()) return {};
  std::string danger;
  for (const auto& mark : cluster::kDangerMarks) {
    const auto found = run.coverage.find(std::string(cluster::kDangerPrefix) + std::string(mark.name));
    const std::int64_t hits = found == run.coverage.end() ? 0 : found->second;
    danger += fmt::format("<li class=\"{}\">{}: {} <span class=dim>({})</span></li>", hits > 0 ? "reached" : "unreached",
                          escape_html(mark.name), hits > 0 ? fmt::format("reached {}x", hits) : "not reached",
                          escape_html(mark.description));
  }
  return "<section id=coverage><h2>Dangerous states this run reached</h2><ul class=danger-list>" + danger +
         "</ul></section>\n";
}

// ---- The data the script draws from, as JSON ----

std::string lane_kind(LaneKind kind) {
  switch (kind) {
    case LaneKind::node: return "node";
    case LaneKind::operator_: return "operator";
    case LaneKind::client: return "client";
  }
  return "node";
}

std::string run_data_json(const RunDetail& run, const Timeline& t, const std::vector<SlotChart>& charts,
                          const std::vector<ViolationView>& views) {
  std::string out;
  out.reserve(run.events.size() * 80 + run.ops.size() * 70 + 4096);
  out += fmt::format("{{\"end\":{},\"lanes\":[", t.end_ns);
  for (std::size_t i = 0; i < t.lanes.size(); ++i) {
    out += fmt::format("{}[{},{},\"{}\"]", i ? "," : "", json_string(t.lanes[i].id), json_string(t.lanes[i].label),
                       lane_kind(t.lanes[i].kind));
  }
  // Processes and kinds repeat on every event: send each once.
  std::map<std::string, std::size_t> process_index, kind_index;
  std::vector<const std::string*> processes, kinds;
  for (const auto& e : run.events) {
    if (process_index.emplace(e.process, processes.size()).second) processes.push_back(&e.process);
    if (kind_index.emplace(e.kind, kinds.size()).second) kinds.push_back(&e.kind);
  }
  out += "],\"procs\":[";
  for (std::size_t i = 0; i < processes.size(); ++i) out += (i ? "," : "") + json_string(*processes[i]);
  out += "],\"kinds\":[";
  for (std::size_t i = 0; i < kinds.size(); ++i) out += (i ? "," : "") + json_string(*kinds[i]);
  out += "],\"events\":[";
  for (std::size_t i = 0; i < run.events.size(); ++i) {
    const auto& e = run.events[i];
    out += fmt::format("{}[{},{},{},{},{}]", i ? "," : "", e.idx, e.time_ns, process_index[e.process],
                       kind_index[e.kind], json_string(e.detail));
  }
  out += "],\"hist\":[";
  for (std::size_t i = 0; i < run.ops.size(); ++i) {
    const auto& o = run.ops[i];
    out += fmt::format("{}[{},{},{},{},{},{},{}]", i ? "," : "", o.idx, o.time_ns, o.process, json_string(o.type),
                       json_string(o.f), json_string(o.key), json_string(o.value));
  }
  out += "],\"ops\":[";
  for (std::size_t i = 0; i < t.ops.size(); ++i) {
    const auto& b = t.ops[i];
    out += fmt::format("{}[{},{},{},{},{},{}]", i ? "," : "", b.lane, b.start_ns, b.end_ns, static_cast<int>(b.outcome),
                       b.invoke_idx, b.complete_idx);
  }
  out += "],\"spans\":[";
  for (std::size_t i = 0; i < t.spans.size(); ++i) {
    const auto& s = t.spans[i];
    out += fmt::format("{}[{},{},{},{},{},{}]", i ? "," : "", s.lane, s.start_ns, s.end_ns, json_string(s.kind),
                       json_string(s.label), s.event_idx);
  }
  out += "],\"marks\":[";
  for (std::size_t i = 0; i < t.marks.size(); ++i) {
    const auto& m = t.marks[i];
    out += fmt::format("{}[{},{},{},{},{}]", i ? "," : "", m.lane, m.time_ns, json_string(m.kind),
                       json_string(m.label), m.event_idx);
  }
  out += "],\"slots\":[";
  for (std::size_t c = 0; c < charts.size(); ++c) {
    out += fmt::format("{}{{\"slot\":{},\"why\":{},\"views\":[", c ? "," : "", charts[c].slot,
                       json_string(charts[c].why));
    for (std::size_t v = 0; v < charts[c].views.size(); ++v) {
      const auto& view = charts[c].views[v];
      out += fmt::format("{}{{\"node\":{},\"states\":[", v ? "," : "", json_string(view.node));
      for (std::size_t s = 0; s < view.states.size(); ++s) {
        const auto& st = view.states[s];
        out += fmt::format("{}[{},{},{},{},{},{},{}]", s ? "," : "", st.start_ns, st.end_ns, st.down ? 1 : 0,
                           json_string(st.owner), json_string(st.migrating_to), json_string(st.importing_from),
                           st.event_idx);
      }
      out += "]}";
    }
    out += "]}";
  }
  out += "],\"violations\":[";
  for (std::size_t i = 0; i < views.size(); ++i) {
    out += fmt::format("{}{{\"invariant\":{},\"time\":{},\"hist\":[", i ? "," : "", json_string(views[i].invariant),
                       views[i].time_ns);
    for (std::size_t k = 0; k < views[i].refs.history_idx.size(); ++k) {
      out += fmt::format("{}{}", k ? "," : "", views[i].refs.history_idx[k]);
    }
    out += "]}";
  }
  return out + "]}";
}

}  // namespace

std::string run_page_name(std::int64_t run_id) { return fmt::format("run-{}.html", run_id); }

std::string render_run_report(const RunDetail& run, const RunReportOptions& options) {
  const NodeDirectory nodes = build_node_directory(run.events);
  const Timeline timeline = build_timeline(run, nodes);
  const std::vector<ViolationView> views = violations_of(run);
  std::vector<SlotChart> charts;
  for (auto& [slot, why] : involved_slots(run, views)) charts.push_back(build_slot_chart(run, nodes, slot, why));

  const RunRow& r = run.run;
  const std::string title = fmt::format("run {}: {} seed {}: {}{}", r.id, r.scenario, r.seed, r.verdict,
                                        r.invariant.empty() ? "" : " " + r.invariant);
  std::string html;
  html.reserve(run.events.size() * 100 + run.ops.size() * 90 + 64 * 1024);
  html += fmt::format("<!DOCTYPE html>\n<html lang=en data-script-errors=\"\" data-rendered=\"0\">\n<head>\n"
                      "<meta charset=utf-8>\n<title>{}</title>\n<script>{}</script>\n<style>{}</style>\n</head>\n<body>\n",
                      escape_html(title), kErrorHook, kPageStyle);
  html += "<header>";
  if (!options.campaign_page.empty()) {
    html += fmt::format("<a class=back href=\"{}\">&larr; campaign</a>", escape_html(options.campaign_page));
  }
  html += fmt::format("<h1>Run {}: {} seed {} {}{}</h1>\n", r.id, escape_html(r.scenario), r.seed, verdict_badge(r.verdict),
                      r.invariant.empty() ? "" : " <span class=invariant>" + escape_html(r.invariant) + "</span>");
  html += header_table(run, options) + "</header>\n";
  html += violations_section(run, views, timeline, charts);

  if (run.events.empty() && run.ops.empty()) {
    html += "<section><p class=notice>This run kept no trace or history: the trace database keeps them for failing "
            "runs only. Run the seed again with the commands above to see it.</p></section>\n";
  }
  html += R"(<section id=timeline-section><h2 id=timeline>Timeline</h2>
<div class=controls><button data-zoom="in">zoom in</button> <button data-zoom="out">zoom out</button>
<button data-zoom="all">whole run</button> <span id=view-range class=dim></span>
<span class=dim>wheel: zoom, drag: pan, click an item: its events</span></div>
<div class=legend>
<span><i class="sw op-ok"></i>ok</span><span><i class="sw op-fail"></i>fail</span><span><i class="sw op-info"></i>info (unknown)</span>
<span><i class="sw sp-primary"></i>primary</span><span><i class="sw sp-replica"></i>replica</span>
<span><i class="sw sp-down"></i>down</span><span><i class="sw sp-paused"></i>paused</span>
<span><i class="sw sp-partitioned"></i>partitioned</span><span><i class="sw sp-skewed"></i>clock skew</span>
<span><i class="sw sp-cluster_fail"></i>cluster state fail</span>
<span><i class="sw mk-election"></i>election</span><span><i class="sw mk-elected"></i>won / promoted</span>
<span><i class="sw mk-vote"></i>vote</span><span><i class="sw mk-epoch"></i>configEpoch</span>
<span><i class="sw mk-setslot"></i>SETSLOT</span><span><i class="sw mk-fail"></i>FAIL</span><span><i class="sw mk-fault"></i>fault</span>
<span><i class="sw op-cited"></i>cited by the checker</span>
</div>
<div id=timeline-view class=lanes-view><div class=lane-labels id=timeline-labels></div><canvas id=timeline-canvas></canvas></div>
</section>
)";
  html += "<section id=slots-section><h2>Slot ownership</h2>\n";
  if (charts.empty()) {
    html += "<p class=dim>No slot is named by the violation or migrated in this run.</p>\n";
  } else {
    html += "<p class=dim>Which node each node believed owned the slot (colour of the owner), with MIGRATING "
            "(&rarr;target) and IMPORTING (&larr;source) states; dark: the node was down. Derived from the trace: "
            "a restarted node is shown with the view it had before the crash, and SETSLOT NODE as ending the "
            "giving side's MIGRATING.</p>\n<div id=slot-legend class=legend></div>\n";
    for (const auto& chart : charts) {
      html += fmt::format("<h3 id=\"slot-{0}\">slot {0} <span class=dim>({1})</span></h3>\n"
                          "<div class=lanes-view><div class=lane-labels data-slot-labels=\"{0}\"></div>"
                          "<canvas class=slot-canvas data-slot=\"{0}\"></canvas></div>\n",
                          chart.slot, escape_html(chart.why));
    }
  }
  html += "</section>\n";
  html += R"(<section id=events-section><h2>Events</h2>
<div class=controls>
<input id=filter-text type=search placeholder="filter: text in process, kind or detail" size=40>
<select id=filter-process><option value="">every process</option></select>
<select id=filter-kind><option value="">every kind</option></select>
<label><input id=filter-trace type=checkbox checked> trace</label>
<label><input id=filter-history type=checkbox checked> history</label>
<button id=page-prev>&larr; earlier</button> <button id=page-next>later &rarr;</button>
<span id=table-range class=dim></span></div>
<table class=events><thead><tr><th>#</th><th>time</th><th>process</th><th>kind</th><th>detail</th></tr></thead>
<tbody id=events-body></tbody></table>
</section>
)";
  html += coverage_section(run);
  html += "<div id=tooltip></div>\n<script type=\"application/json\" id=run-data>";
  html += run_data_json(run, timeline, charts, views);
  html += "</script>\n<script>";
  html += kRunPageScript;
  html += "</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace slotsim::reports
