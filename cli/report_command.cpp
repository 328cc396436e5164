// slotsim report DB [--run ID] -o DIR: HTML pages from a trace database.
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "reports/campaign_report.h"
#include "reports/report_db.h"
#include "reports/run_report.h"

namespace slotsim::cli {

namespace {

namespace fs = std::filesystem;

// Written beside and renamed over, so a browser never shows half a page.
void write_page(const fs::path& path, const std::string& html) {
  const fs::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << html;
    out.close();
    if (!out) throw reports::ReportError(fmt::format("cannot write {}", temporary.string()));
  }
  std::error_code error;
  fs::rename(temporary, path, error);
  if (error) throw reports::ReportError(fmt::format("cannot write {}: {}", path.string(), error.message()));
}

}  // namespace

int report_command(const std::vector<std::string>& args) {
  po::options_description options("report options");
  std::string db_path, out_dir, campaign;
  std::int64_t run_id = 0;
  std::size_t run_pages = 100;
  options.add_options()
      ("run", po::value(&run_id), "one run's page (runs.id); without it, the campaign page")
      ("output,o", po::value(&out_dir), "directory to write the pages into (created if missing)")
      ("campaign", po::value(&campaign), "campaign page: only the runs with this label (runs.campaign)")
      ("run-pages", po::value(&run_pages)->default_value(100),
       "campaign page: also write the pages of up to N failing runs and link them")
      ("db", po::value(&db_path), "the trace database (positional)");
  po::positional_options_description positional;
  positional.add("db", 1);
  int exit_code = 0;
  auto vm = parse_options("report",
                          "DB [--run ID] -o DIR\n\nWrites self-contained HTML pages (open them from disk in any "
                          "browser): with --run, DIR/run-ID.html for that run; without, DIR/index.html for the "
                          "campaign, and the pages of its failing runs.",
                          options, args, exit_code, &positional);
  if (!vm) return exit_code;
  if (db_path.empty()) {
    fmt::print(stderr, "slotsim report: give a trace database (e.g. traces.db from `slotsim fuzz ... --db traces.db`)\n");
    return 2;
  }
  if (out_dir.empty()) {
    fmt::print(stderr, "slotsim report: give an output directory with -o DIR\n");
    return 2;
  }
  try {
    reports::ReportDb db(db_path);
    std::error_code error;
    fs::create_directories(out_dir, error);
    if (error) {
      fmt::print(stderr, "slotsim report: cannot create {}: {}\n", out_dir, error.message());
      return 2;
    }
    reports::RunReportOptions run_options;
    run_options.db_path = db_path;
    if (vm->count("run")) {
      auto run = db.load_run(run_id);
      if (!run) {
        fmt::print(stderr, "slotsim report: {} has no run {} (list them with: sqlite3 {} \"select id, scenario, seed, "
                           "verdict from runs\")\n",
                   db_path, run_id, db_path);
        return 2;
      }
      const fs::path page = fs::path(out_dir) / reports::run_page_name(run_id);
      write_page(page, reports::render_run_report(*run, run_options));
      fmt::print("run report: {}\n", page.string());
      return 0;
    }
    reports::CampaignReportOptions campaign_options;
    campaign_options.db_path = db_path;
    if (vm->count("campaign")) campaign_options.campaign = campaign;
    const auto runs = db.runs(campaign_options.campaign);
    run_options.campaign_page = "index.html";
    for (const auto id : reports::runs_to_page(runs, run_pages)) {
      auto run = db.load_run(id);
      if (!run) continue;  // deleted since the list was read
      write_page(fs::path(out_dir) / reports::run_page_name(id), reports::render_run_report(*run, run_options));
      campaign_options.run_pages.insert(id);
    }
    const fs::path page = fs::path(out_dir) / "index.html";
    write_page(page, reports::render_campaign_report(runs, db.coverage(campaign_options.campaign), campaign_options));
    fmt::print("{} runs, {} run pages\ncampaign report: {}\n", runs.size(), campaign_options.run_pages.size(),
               page.string());
    return 0;
  } catch (const std::runtime_error& e) {  // ReportError, or TraceDbError from ReportDb's SQLite statements
    fmt::print(stderr, "slotsim report: {}\n", e.what());
    return 2;
  }
}

}  // namespace slotsim::cli
