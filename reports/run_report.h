// The HTML page of one run: a header (scenario, seed, variant, verdict, the
// broken invariant, the reproduce commands), the violations with the
// checker's explanation and the operations it cites, a timeline (a lane per
// node, the operator and each client), the ownership of the slots involved
// over time, and a filterable table of every trace and history event.
// One self-contained file: CSS, script and data inline, no network access.
#pragma once

#include <cstdint>
#include <string>

#include "reports/report_db.h"

namespace slotsim::reports {

struct RunReportOptions {
  std::string db_path;        // for the replay command
  std::string campaign_page;  // link back to the campaign page ("" for none)
};

std::string render_run_report(const RunDetail& run, const RunReportOptions& options);

// "run-17.html": the file name campaign pages link to.
std::string run_page_name(std::int64_t run_id);

}  // namespace slotsim::reports
