// Text made safe for the places a report puts it: HTML element content and
// attribute values, and JSON embedded in a <script> block. Reports show
// whatever the trace database holds (scenario text, keys, details written by
// node code), so everything is escaped; nothing is trusted to be plain.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace slotsim::reports {

// For element content and double-quoted attribute values.
std::string escape_html(std::string_view text);

// A JSON string literal, quotes included. '<', '>' and '&' become \u escapes
// so that "</script>" inside a value cannot end the script block. Bytes that
// are not valid UTF-8 become U+FFFD, so a browser's JSON.parse never fails.
std::string json_string(std::string_view text);

// Virtual time for people: "12.345678s".
std::string format_seconds(std::int64_t ns);

}  // namespace slotsim::reports
