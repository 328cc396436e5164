#include "reports/campaign_report.h"

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "cluster/danger_marks.h"
#include "reports/html.h"
#include "reports/report_assets.h"
#include "reports/reproduce_command.h"
#include "reports/run_report.h"
#include "runner/scenario.h"

namespace slotsim::reports {

namespace {

// Enough runs per failure group to compare a few; the rest by id.
constexpr std::size_t kPagesPerGroup = 3;
// Details are long (histories); the run page has the whole text.
constexpr std::size_t kDetailShown = 220;

struct Expectation {
  bool known = false;
  bool expect_pass = true;
  std::string invariant;
};

Expectation expectation_of(const RunRow& run) {
  try {
    const auto scenario = runner::parse_scenario(run.scenario_text, run.scenario_file);
    return {true, scenario.expect_pass, scenario.expect_invariant};
  } catch (const std::exception&) {
    return {};
  }
}

struct GroupStats {
  std::vector<const RunRow*> runs;
  std::map<std::string, std::int64_t> verdicts;
  std::set<std::uint64_t> seeds;
  std::int64_t wall_ms = 0, sim_ns = 0, events = 0, operations = 0;
  Expectation expect;
};

std::string rate(double value, int digits) { return fmt::format("{:.{}f}", value, digits); }

std::string shorten(const std::string& text) {
  if (text.size() <= kDetailShown) return text;
  std::size_t cut = kDetailShown;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;  // not inside a UTF-8 character
  return text.substr(0, cut) + "...";
}

std::string verdict_cell(const std::map<std::string, std::int64_t>& verdicts, const std::string& verdict) {
  const auto found = verdicts.find(verdict);
  const std::int64_t n = found == verdicts.end() ? 0 : found->second;
  return fmt::format("<td class=num>{}</td>", n ? fmt::format("<span class=\"badge verdict-{}\">{}</span>", verdict, n) : "0");
}

// As `slotsim fuzz` judges a scenario: a pass scenario passes on every seed;
// a fail scenario is caught (its invariant) on some seed and never crashes.
std::string judge(const GroupStats& g) {
  if (!g.expect.known) return "<span class=dim>unknown</span>";
  const auto count = [&](const std::string& verdict) {
    const auto found = g.verdicts.find(verdict);
    return found == g.verdicts.end() ? std::int64_t{0} : found->second;
  };
  const std::int64_t total = static_cast<std::int64_t>(g.runs.size());
  if (g.expect.expect_pass) {
    return count("pass") == total ? "as expected (pass)" : "<b class=invariant>NOT as expected: should pass</b>";
  }
  std::int64_t caught = 0;
  for (const RunRow* run : g.runs) caught += run->verdict != "pass" && run->invariant == g.expect.invariant;
  if (caught > 0 && count("crash") == 0) {
    return fmt::format("as expected: caught {} on {}/{} seeds", escape_html(g.expect.invariant), caught, total);
  }
  return fmt::format("<b class=invariant>NOT as expected: should break {}</b>", escape_html(g.expect.invariant));
}

std::string run_link(const RunRow& run, const CampaignReportOptions& options) {
  if (options.run_pages.count(run.id)) {
    return fmt::format("<a href=\"{}\">run {}</a>", run_page_name(run.id), run.id);
  }
  return fmt::format("run {} <span class=dim>(no page: <code>slotsim report {} --run {} -o DIR</code>)</span>", run.id,
                     escape_html(options.db_path), run.id);
}

std::string scenarios_section(const std::map<std::pair<std::string, std::string>, GroupStats>& groups) {
  std::string html =
      "<section id=scenarios><h2>Scenarios</h2><table class=summary><tr><th>scenario</th><th>variant</th>"
      "<th class=num>seeds</th><th class=num>pass</th><th class=num>safety</th><th class=num>liveness</th>"
      "<th class=num>crash</th><th>as declared?</th><th class=num>simulated</th><th class=num>run time</th>"
      "<th class=num>seeds per CPU-hour</th><th class=num>x real time</th></tr>\n";
  for (const auto& [key, g] : groups) {
    const double wall_s = static_cast<double>(g.wall_ms) / 1000.0;
    html += fmt::format("<tr><td>{}</td><td class=dim>{}</td><td class=num>{}</td>{}{}{}{}<td>{}</td><td class=num>{:.1f}s"
                        "</td><td class=num>{:.1f}s</td><td class=num>{}</td><td class=num>{}</td></tr>\n",
                        escape_html(key.first), escape_html(key.second), g.seeds.size(), verdict_cell(g.verdicts, "pass"),
                        verdict_cell(g.verdicts, "safety"), verdict_cell(g.verdicts, "liveness"),
                        verdict_cell(g.verdicts, "crash"), judge(g), static_cast<double>(g.sim_ns) / 1e9, wall_s,
                        wall_s > 0 ? rate(static_cast<double>(g.runs.size()) * 3600.0 / wall_s, 0) : "-",
                        wall_s > 0 ? rate(static_cast<double>(g.sim_ns) / 1e9 / wall_s, 0) : "-");
  }
  return html + "</table></section>\n";
}

std::string failures_section(const std::vector<RunRow>& runs, const CampaignReportOptions& options,
                             std::map<std::string, Expectation>& expectations) {
  std::map<std::string, std::vector<const RunRow*>> by_invariant;
  for (const auto& run : runs) {
    if (run.verdict != "pass") by_invariant[run.invariant.empty() ? "(" + run.verdict + ")" : run.invariant].push_back(&run);
  }
  std::string html = "<section id=failures><h2>Failures by invariant</h2>\n";
  if (by_invariant.empty()) return html + "<p>No run failed.</p></section>\n";
  std::vector<std::pair<std::string, std::vector<const RunRow*>>> ordered(by_invariant.begin(), by_invariant.end());
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  html += "<p><input id=failure-filter type=search size=40 placeholder=\"filter: scenario, seed, detail\"></p>\n"
          "<table class=summary><tr><th>run</th><th>scenario</th><th class=num>seed</th><th>verdict</th><th>expected?</th>"
          "<th>what the checker saw</th></tr>\n";
  for (const auto& [invariant, list] : ordered) {
    std::set<std::string> scenarios;
    for (const RunRow* run : list) scenarios.insert(run->scenario);
    html += fmt::format("<tr class=group-head id=\"invariant-{0}\"><td colspan=6><span class=invariant>{0}</span>: {1} "
                        "run{2} in {3} scenario{4}</td></tr>\n",
                        escape_html(invariant), list.size(), list.size() == 1 ? "" : "s", scenarios.size(),
                        scenarios.size() == 1 ? "" : "s");
    for (const RunRow* run : list) {
      auto& expect = expectations[run->scenario_text];
      if (!expect.known) expect = expectation_of(*run);
      const bool expected = expect.known && !expect.expect_pass && run->invariant == expect.invariant;
      html += fmt::format("<tr data-failure><td>{}</td><td>{}</td><td class=num>{}</td><td><span class=\"badge "
                          "verdict-{}\">{}</span></td><td>{}</td><td class=dim>{}</td></tr>\n",
                          run_link(*run, options), escape_html(run->scenario), run->seed, escape_html(run->verdict),
                          escape_html(run->verdict), expected ? "expected" : "<b class=invariant>unexpected</b>",
                          escape_html(shorten(run->detail)));
    }
  }
  return html + "</table></section>\n";
}

std::string coverage_section(const std::vector<RunRow>& runs, const std::vector<CoverageCount>& coverage) {
  struct MarkStats {
    std::int64_t runs = 0, hits = 0;
    std::map<std::string, std::int64_t> runs_by_scenario;
  };
  std::map<std::string, MarkStats> marks;
  for (const auto& c : coverage) {
    auto& m = marks[c.mark];
    m.runs += c.runs;
    m.hits += c.hits;
    m.runs_by_scenario[c.scenario] += c.runs;
  }
  const std::size_t total = runs.size();
  std::string danger_rows;
  std::vector<std::string> never;
  for (const auto& mark : cluster::kDangerMarks) {
    const std::string key = std::string(cluster::kDangerPrefix) + std::string(mark.name);
    const auto found = marks.find(key);
    const MarkStats stats = found == marks.end() ? MarkStats{} : found->second;
    std::string where;
    for (const auto& [scenario, n] : stats.runs_by_scenario) {
      where += fmt::format("{}{}: {}", where.empty() ? "" : ", ", escape_html(scenario), n);
    }
    if (stats.runs == 0) never.emplace_back(mark.name);
    danger_rows += fmt::format(
        "<tr class=\"danger-mark{}\" data-mark=\"{}\"><td><code>{}</code></td><td>{}</td><td class=\"num{}\">{}</td>"
        "<td class=num>{}</td><td class=dim>{}</td></tr>\n",
        stats.runs == 0 ? " never" : "", escape_html(mark.name), escape_html(mark.name), escape_html(mark.description),
        stats.runs == 0 ? " unreached" : "",
        stats.runs == 0 ? std::string("never reached") : fmt::format("{} of {} runs", stats.runs, total), stats.hits,
        where);
  }
  std::string html = "<section id=coverage><h2>Coverage: dangerous states</h2>\n";
  if (!never.empty()) {
    std::string list;
    for (const auto& name : never) list += (list.empty() ? "" : ", ") + ("<code>" + escape_html(name) + "</code>");
    html += fmt::format("<div class=\"banner warn\" id=never-reached><b>{} of {} dangerous states were never reached</b>"
                        " by any run: {}. Passing runs say nothing about them.</div>\n",
                        never.size(), cluster::kDangerMarks.size(), list);
  } else {
    html += "<div class=\"banner good\">Every dangerous state was reached by at least one run.</div>\n";
  }
  html += "<table class=summary id=danger-marks><tr><th>state</th><th>what</th><th class=num>runs reaching it</th>"
          "<th class=num>times</th><th>by scenario (runs)</th></tr>\n" +
          danger_rows + "</table>\n";
  html += "<details open><summary>Other coverage marks: runs that hit each, and how often</summary>"
          "<ul class=columns id=other-marks>\n";
  for (const auto& [mark, stats] : marks) {
    if (mark.rfind(cluster::kDangerPrefix, 0) == 0) {
      bool listed = false;
      for (const auto& d : cluster::kDangerMarks) listed = listed || mark == std::string(cluster::kDangerPrefix) + std::string(d.name);
      if (listed) continue;  // unknown danger marks (a newer build's) still show below
    }
    html += fmt::format("<li><code>{}</code> <span class=dim>{} runs, {}x</span></li>\n", escape_html(mark), stats.runs,
                        stats.hits);
  }
  return html + "</ul></details></section>\n";
}

}  // namespace

std::vector<std::int64_t> runs_to_page(const std::vector<RunRow>& runs, std::size_t limit) {
  std::vector<std::int64_t> chosen;
  std::map<std::tuple<std::string, std::string, std::string>, std::size_t> per_group;
  std::set<std::int64_t> taken;
  for (const auto& run : runs) {
    if (run.verdict == "pass" || chosen.size() >= limit) continue;
    if (per_group[{run.scenario, run.verdict, run.invariant}]++ < kPagesPerGroup) {
      chosen.push_back(run.id);
      taken.insert(run.id);
    }
  }
  for (const auto& run : runs) {
    if (run.verdict == "pass" || chosen.size() >= limit || taken.count(run.id)) continue;
    chosen.push_back(run.id);
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

std::string render_campaign_report(const std::vector<RunRow>& runs, const std::vector<CoverageCount>& coverage,
                                   const CampaignReportOptions& options) {
  std::map<std::pair<std::string, std::string>, GroupStats> groups;
  std::map<std::string, Expectation> expectations;  // by scenario text
  std::map<std::string, std::int64_t> verdicts;
  std::set<std::string> builds;
  std::int64_t wall_ms = 0, sim_ns = 0, events = 0;
  std::string first_created, last_created;
  for (const auto& run : runs) {
    auto& g = groups[{run.scenario, run.variant}];
    if (g.runs.empty()) {
      auto& expect = expectations[run.scenario_text];
      if (!expect.known) expect = expectation_of(run);
      g.expect = expect;
    }
    g.runs.push_back(&run);
    ++g.verdicts[run.verdict];
    if (run.parent_run == 0) g.seeds.insert(run.seed);
    g.wall_ms += run.wall_ms;
    g.sim_ns += run.sim_ns;
    ++verdicts[run.verdict];
    builds.insert(run.build_id);
    wall_ms += run.wall_ms;
    sim_ns += run.sim_ns;
    events += run.events;
    if (first_created.empty() || run.created < first_created) first_created = run.created;
    if (run.created > last_created) last_created = run.created;
  }
  const std::string scope = options.campaign ? "campaign " + *options.campaign : "every run";
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=en data-script-errors=\"\" data-rendered=\"0\">\n<head>\n<meta charset=utf-8>\n"
      "<title>slotsim campaign: {}</title>\n<script>{}</script>\n<style>{}</style>\n</head>\n<body>\n",
      escape_html(options.db_path), kErrorHook, kPageStyle);
  html += fmt::format("<header><h1>Campaign report: {} <span class=dim>({})</span></h1>\n", escape_html(options.db_path),
                      escape_html(scope));
  std::string counts;
  for (const auto& [verdict, n] : verdicts) {
    counts += fmt::format(" <span class=\"badge verdict-{}\">{} {}</span>", escape_html(verdict), n, escape_html(verdict));
  }
  std::string build_list;
  for (const auto& b : builds) build_list += (build_list.empty() ? "" : ", ") + escape_html(b);
  const double wall_s = static_cast<double>(wall_ms) / 1000.0;
  html += fmt::format("<p>{} runs of {} scenario/variant pairs:{}</p>\n<p class=dim>build{} {}; recorded {} .. {} UTC</p>\n",
                      runs.size(), groups.size(), counts, builds.size() == 1 ? "" : "s", build_list,
                      escape_html(first_created), escape_html(last_created));
  html += fmt::format("<p id=throughput>Throughput: {} runs took {:.1f}s of worker time: {} seeds per CPU-hour, {}x real "
                      "time ({:.1f}s simulated), {} trace events per second.</p>\n</header>\n",
                      runs.size(), wall_s, wall_s > 0 ? rate(static_cast<double>(runs.size()) * 3600.0 / wall_s, 0) : "-",
                      wall_s > 0 ? rate(static_cast<double>(sim_ns) / 1e9 / wall_s,0) : "-",
                      static_cast<double>(sim_ns) / 1e9,
                      wall_s > 0 ? rate(static_cast<double>(events) / wall_s, 0) : "-");
  if (runs.empty()) {
    html += "<p class=notice>The database has no runs" + std::string(options.campaign ? " with this campaign label" : "") +
            ".</p>\n";
  }
  // Coverage first: whether the campaign reached the danger decides what its verdicts are worth.
  html += coverage_section(runs, coverage);
  html += scenarios_section(groups);
  html += failures_section(runs, options, expectations);
  html += fmt::format("<script>{}</script>\n</body>\n</html>\n", kCampaignPageScript);
  return html;
}

}  // namespace slotsim::reports
