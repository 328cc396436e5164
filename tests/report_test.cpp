// HTML reports: the text helpers, what the checker's explanations point at,
// the slot-ownership model, and pages generated from a stored failing run
// and from a small campaign (the file holds the expected elements).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "cluster/danger_marks.h"
#include "reports/campaign_report.h"
#include "reports/html.h"
#include "reports/node_directory.h"
#include "reports/report_db.h"
#include "reports/run_report.h"
#include "reports/run_timeline.h"
#include "reports/slot_views.h"
#include "reports/violation_refs.h"
#include "runner/run_record.h"
#include "runner/scenario.h"
#include "runner/trace_db.h"
#include "tests/temp_file.h"

using namespace slotsim;
using namespace slotsim::reports;
using Catch::Matchers::Contains;

namespace {

using testing::TempFile;

EventRow event(std::int64_t idx, std::int64_t ms, std::string process, std::string kind, std::string detail) {
  return {idx, ms * 1'000'000, std::move(process), std::move(kind), std::move(detail)};
}

const std::string kId1 = std::string(40, '1'), kId2 = std::string(40, '2'), kId3 = std::string(40, '3');

// Two primaries (n1: slots 0-8191, n2: 8192-16383) and n3 replicating n1.
std::vector<EventRow> two_shard_start() {
  return {event(0, 0, "sim", "start", "process=n1 incarnation=1"),
          event(1, 0, "n1", "config_loaded", "id=" + kId1 + " epoch=1 slots=8192"),
          event(2, 0, "n2", "config_loaded", "id=" + kId2 + " epoch=2 slots=8192"),
          event(3, 0, "n3", "config_loaded", "id=" + kId3 + " epoch=1 slots=0")};
}

}  // namespace

TEST_CASE("report text is escaped for HTML and for JSON inside a script block", "[reports]") {
  CHECK(escape_html("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  CHECK(json_string("</script>") == "\"\\u003c/script\\u003e\"");
  CHECK(json_string("a\"b\\c\n\x01") == "\"a\\\"b\\\\c\\n\\u0001\"");
  CHECK(json_string("caf\xc3\xa9") == "\"caf\xc3\xa9\"");
  CHECK(json_string("bad \xff\xc3") == "\"bad \\ufffd\\ufffd\"");  // not UTF-8: JSON.parse must still accept it
  CHECK(format_seconds(93'200'000'000) == "93.200000s");
  CHECK(format_seconds(-1'500'000) == "-0.001500s");
}

TEST_CASE("violation texts point at history lines, keys and slots", "[reports]") {
  const auto refs = find_references(
      "key {k2}0: lost write: p1 append 1000000002 (lines 11-16) was acknowledged before p3 read [1] (lines 440-441) "
      "was invoked; p4 write 3 (line 7, info at line 9); slot 449 twice: slot 449");
  CHECK(refs.history_idx == std::vector<std::int64_t>{10, 15, 439, 440, 6, 8});
  CHECK(refs.keys == std::vector<std::string>{"{k2}0"});
  CHECK(refs.slots == std::vector<int>{449});  // {k2}0 hashes to 449 as well
  CHECK(find_references("n2 has 0 migrating and 1 importing slots").history_idx.empty());
  CHECK(find_references("line 0 lines x-2 deadline 5").history_idx.empty());
}

TEST_CASE("node names sort naturally and slot ranges are read as traced", "[reports]") {
  CHECK(natural_less("n2", "n10"));
  CHECK_FALSE(natural_less("n10", "n2"));
  CHECK(natural_less("client9", "client10"));
  CHECK(ranges_contain("0-448,450-5460", 0));
  CHECK(ranges_contain("0-448,450-5460", 5460));
  CHECK_FALSE(ranges_contain("0-448,450-5460", 449));
  CHECK(ranges_contain("7", 7));
  CHECK_FALSE(ranges_contain("garbage,-,5-", 5));
  CHECK(detail_field("slot=449 action=node node=abc", "node") == "abc");
  CHECK_FALSE(detail_field("slot=449", "node").has_value());
}

TEST_CASE("each node's view of a slot follows SETSLOT, crashes, promotions and claims", "[reports]") {
  RunDetail run;
  run.run.sim_ns = 10'000'000'000;
  run.events = two_shard_start();
  run.events.push_back(event(4, 100, "n2", "setslot", "slot=5 action=importing node=" + kId1));
  run.events.push_back(event(5, 200, "n1", "setslot", "slot=5 action=migrating node=" + kId2));
  run.events.push_back(event(6, 300, "sim", "crash", "process=n1 reason=fault lost_bytes=0"));
  run.events.push_back(event(7, 400, "n3", "promoted", "old_primary=" + kId1 + " config_epoch=3"));
  run.events.push_back(event(8, 500, "n2", "slots_claimed", "owner=" + kId3 + " epoch=3 slots=0-8191"));
  run.events.push_back(event(9, 600, "sim", "start", "process=n1 incarnation=2"));
  const NodeDirectory nodes = build_node_directory(run.events);
  REQUIRE(nodes.nodes == std::vector<std::string>{"n1", "n2", "n3"});
  REQUIRE(nodes.initial_owner.size() == 16384);
  CHECK(nodes.initial_owner[8191] == "n1");
  CHECK(nodes.initial_owner[8192] == "n2");
  CHECK(nodes.name_of(kId3) == "n3");
  CHECK(nodes.name_of("abcdef0123456789") == "abcdef01");

  const SlotChart chart = build_slot_chart(run, nodes, 5, "test");
  REQUIRE(chart.views.size() == 3);
  const auto& n1 = chart.views[0].states;
  REQUIRE(n1.size() == 4);  // owner, migrating, down (still migrating), back up
  CHECK(n1[1].migrating_to == "n2");
  CHECK(n1[2].down);
  CHECK(n1[2].start_ns == 300'000'000);
  CHECK_FALSE(n1[3].down);
  CHECK(n1[3].migrating_to == "n2");  // a restart is shown with the view saved before the crash
  const auto& n2 = chart.views[1].states;
  REQUIRE(n2.size() == 3);
  CHECK(n2[1].importing_from == "n1");
  CHECK(n2[2].owner == "n3");  // the promoted replica's claim reached n2
  CHECK(n2[2].importing_from == "n1");
  const auto& n3 = chart.views[2].states;
  REQUIRE(n3.size() == 2);
  CHECK(n3[1].owner == "n3");
  CHECK(n3[1].event_idx == 7);
}

TEST_CASE("the timeline has a lane per node, the operator and each client", "[reports]") {
  RunDetail run;
  run.run.sim_ns = 2'000'000'000;
  run.events = two_shard_start();
  run.events.push_back(event(4, 1, "sim", "start", "process=client0 incarnation=1"));
  run.events.push_back(event(5, 2, "operator", "operator_move_slot", "slot=5 from=n1:6379 to=n2:6379"));
  run.events.push_back(event(6, 300, "sim", "crash", "process=n1 reason=fault lost_bytes=0"));
  run.events.push_back(event(7, 400, "n3", "promoted", "old_primary=" + kId1 + " config_epoch=3"));
  run.events.push_back(event(8, 500, "sim", "fault", "action=isolate node=n2 groups=n2|n1,n3"));
  run.events.push_back(event(9, 900, "sim", "fault", "action=heal groups="));
  run.ops = {{0, 0, "invoke", "append", "k", "1", 10'000'000}, {1, 0, "ok", "append", "k", "1", 20'000'000},
             {2, 7, "invoke", "read", "k", "null", 30'000'000}};
  const NodeDirectory nodes = build_node_directory(run.events);
  const Timeline t = build_timeline(run, nodes);
  REQUIRE(t.lanes.size() == 6);
  CHECK(t.lanes[3].id == "operator");
  CHECK(t.lanes[4].label == "client0 (p0)");
  CHECK(t.lanes[5].label == "p7");
  REQUIRE(t.ops.size() == 2);
  CHECK(t.ops[0].outcome == Outcome::ok);
  CHECK(t.ops[0].end_ns == 20'000'000);
  CHECK(t.ops[1].complete_idx == -1);
  CHECK(t.ops[1].end_ns == t.end_ns);  // never completed: drawn to the end
  auto has_span = [&](int lane, const std::string& kind, std::int64_t start_ms, std::int64_t end_ms) {
    for (const auto& s : t.spans) {
      if (s.lane == lane && s.kind == kind && s.start_ns == start_ms * 1'000'000 && s.end_ns == end_ms * 1'000'000) {
        return true;
      }
    }
    return false;
  };
  CHECK(has_span(0, "down", 300, 2000));
  CHECK(has_span(0, "primary", 0, 300));
  CHECK(has_span(2, "replica", 0, 400));
  CHECK(has_span(2, "primary", 400, 2000));
  CHECK(has_span(1, "partitioned", 500, 900));  // only the cut-off side
  CHECK_FALSE(has_span(0, "partitioned", 500, 900));
}

TEST_CASE("a stored failing run's page holds its header, violation, lanes, slot chart and events", "[reports]") {
  TempFile db_file;
  const std::string scenario_file = SLOTSIM_SOURCE_DIR "/scenarios/failover_midway_off.toml";
  const runner::Scenario scenario = runner::load_scenario(scenario_file);
  runner::RunOptions options;
  options.keep_trace = true;
  const auto executed = runner::execute_seed(scenario, 1, options);
  REQUIRE(executed.result.verdict != runner::Verdict::pass);  // the scenario fails by design on seed 1
  std::int64_t id = 0;
  {
    runner::TraceDb db(db_file.path());
    id = db.insert_run(runner::make_run_record(scenario, executed.instantiated, 1, executed.result, executed.wall_ms));
  }
  ReportDb db(db_file.path());
  const auto run = db.load_run(id);
  REQUIRE(run);
  REQUIRE_FALSE(run->events.empty());
  const std::string html = render_run_report(*run, {db_file.path(), "index.html"});

  CHECK_THAT(html, Contains("<title>run 1: failover_midway_off seed 1: safety lost-write</title>"));
  CHECK_THAT(html, Contains("asking=required migration_state_replication=off"));
  CHECK_THAT(html, Contains("slotsim replay " + db_file.path() + " --run 1"));
  CHECK_THAT(html, Contains("slotsim run " + scenario_file + " --seed 1"));
  CHECK_THAT(html, Contains("as expected: the scenario is meant to break lost-write"));
  CHECK_THAT(html, Contains("<b class=invariant>lost-write</b>"));
  CHECK_THAT(html, Contains("class=cited-op"));        // the operations the checker cites
  CHECK_THAT(html, Contains("data-row=\"h"));          // ... linked to the event table
  CHECK_THAT(html, Contains("id=\"slot-449\""));       // the migrated slot of the lost key
  CHECK_THAT(html, Contains("href=\"index.html\""));
  for (const char* lane : {"[\"n1\",\"n1\",\"node\"]", "[\"n6\",\"n6\",\"node\"]", "[\"operator\",\"operator\",\"operator\"]",
                           "[\"p3\",\"client3 (p3)\",\"client\"]", "[\"p1000000\",\"final-reader\",\"client\"]"}) {
    CHECK_THAT(html, Contains(lane));
  }
  CHECK_THAT(html, Contains("\"promoted\""));  // n4's promotion is on its lane
  CHECK_THAT(html, Contains("<script type=\"application/json\" id=run-data>"));
  CHECK(html.find("</script>", html.find("id=run-data>")) > html.find("\"violations\":", html.find("id=run-data>")));
  CHECK(html.find("http://") == std::string::npos);  // nothing fetched: the page opens offline
  CHECK(html.find("https://") == std::string::npos);
}

TEST_CASE("a campaign page counts verdicts, groups failures and lists every danger mark", "[reports]") {
  TempFile db_file;
  {
    runner::TraceDb db(db_file.path());
    auto make = [](std::string scenario, std::uint64_t seed, std::string verdict, std::string invariant) {
      runner::RunRecord r;
      r.scenario = std::move(scenario);
      r.scenario_file = "scenarios/" + r.scenario + ".toml";
      r.scenario_text = "name = \"" + r.scenario + "\"\n";  // does not parse: expectation shows as unknown
      r.seed = seed;
      r.verdict = std::move(verdict);
      r.invariant = std::move(invariant);
      r.detail = r.invariant.empty() ? "" : "key k: lost write <script>";
      r.wall_ms = 100;
      r.sim_ns = 10'000'000'000;
      r.variant = "asking=required";
      r.coverage = {{"cluster_state", 3}};
      return r;
    };
    auto reached = make("alpha", 1, "pass", "");
    reached.coverage["danger:ask_then_asking"] = 2;
    db.insert_run(reached);
    db.insert_run(make("alpha", 2, "safety", "lost-write"));
    db.insert_run(make("beta", 1, "liveness", "L3"));
  }
  ReportDb db(db_file.path());
  const auto runs = db.runs(std::nullopt);
  REQUIRE(runs.size() == 3);
  CHECK(runs_to_page(runs, 100) == std::vector<std::int64_t>{2, 3});
  CHECK(runs_to_page(runs, 1).size() == 1);
  CampaignReportOptions options{db_file.path(), std::nullopt, {2}};
  const std::string html = render_campaign_report(runs, db.coverage(std::nullopt), options);

  CHECK_THAT(html, Contains("3 runs of 2 scenario/variant pairs"));
  CHECK_THAT(html, Contains("<a href=\"run-2.html\">run 2</a>"));
  CHECK_THAT(html, Contains("slotsim report " + db_file.path() + " --run 3 -o DIR"));  // no page for run 3
  CHECK_THAT(html, Contains("id=\"invariant-lost-write\""));
  CHECK_THAT(html, Contains("id=\"invariant-L3\""));
  CHECK_THAT(html, Contains("lost write &lt;script&gt;"));
  CHECK_THAT(html, Contains("Throughput: 3 runs"));
  std::size_t never = 0;
  for (const auto& mark : cluster::kDangerMarks) {
    CHECK_THAT(html, Contains("data-mark=\"" + std::string(mark.name) + "\""));
    never += mark.name != "ask_then_asking";
  }
  CHECK_THAT(html, Contains("1 of 3 runs"));
  CHECK_THAT(html, Contains(std::to_string(never) + " of " + std::to_string(cluster::kDangerMarks.size()) +
                            " dangerous states were never reached"));
  CHECK_THAT(html, Contains("<code>cluster_state</code> <span class=dim>3 runs, 9x</span>"));
}

TEST_CASE("the report database refuses what it cannot read, clearly", "[reports]") {
  TempFile missing;
  CHECK_THROWS_WITH(ReportDb(missing.path()), Contains("no such trace database"));
  {
    std::ofstream junk(missing.path());
    junk << "not a database at all, just text that is long enough to be a header............................";
  }
  CHECK_THROWS_WITH(ReportDb(missing.path()), Contains("not a SQLite database"));

  TempFile empty;
  { runner::TraceDb created(empty.path()); }
  ReportDb db(empty.path());
  CHECK_FALSE(db.load_run(1).has_value());
  const std::string html = render_campaign_report(db.runs(std::nullopt), db.coverage(std::nullopt), {empty.path(), {}, {}});
  CHECK_THAT(html, Contains("The database has no runs"));
}
