// The HTML page of a campaign (every run in a trace database, or the runs of
// one campaign label): seeds per scenario and variant, verdict counts and
// whether each scenario did what it declares, failures grouped by invariant
// with links to their run pages, throughput, and the coverage marks -- every
// dangerous state of cluster/danger_marks.h with how many runs reached it,
// "never reached" in red, so a green campaign that never reached the danger
// reads as such.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "reports/report_db.h"

namespace slotsim::reports {

struct CampaignReportOptions {
  std::string db_path;
  std::optional<std::string> campaign;  // the label the runs were filtered by
  std::set<std::int64_t> run_pages;     // runs whose page was written beside this one
};

std::string render_campaign_report(const std::vector<RunRow>& runs, const std::vector<CoverageCount>& coverage,
                                   const CampaignReportOptions& options);

// Which failing runs get a page, at most `limit`: the first few of every
// (scenario, verdict, invariant) group, then the rest by id.
std::vector<std::int64_t> runs_to_page(const std::vector<RunRow>& runs, std::size_t limit);

}  // namespace slotsim::reports
