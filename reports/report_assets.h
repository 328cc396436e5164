// The CSS and scripts pages inline (pages open from disk with no network, so
// nothing is fetched). Kept as C++ string literals beside the generator.
#pragma once

#include <string_view>

namespace slotsim::reports {

// Shared by every page.
extern const std::string_view kPageStyle;
// Runs first on every page: records script errors in the <html> element's
// data-script-errors attribute (what the browser test reads).
extern const std::string_view kErrorHook;
// The run page: timeline, slot charts, event table. Reads #run-data.
extern const std::string_view kRunPageScript;
// The campaign page: table filters. Sets data-rendered when done.
extern const std::string_view kCampaignPageScript;

}  // namespace slotsim::reports
