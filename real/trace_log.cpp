#include "real/trace_log.h"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

namespace slotsim::real {

TraceLog::TraceLog(std::FILE* out, bool owns_out, std::string process)
    : out_(out), owns_out_(owns_out), process_(std::move(process)) {}

TraceLog::~TraceLog() {
  if (owns_out_) std::fclose(out_);
}

void TraceLog::record(Nanos now, std::string_view kind, std::string_view detail) {
  auto it = buckets_.find(kind);
  if (it == buckets_.end()) it = buckets_.emplace(std::string(kind), Bucket{kBurstPerKind, now, 0}).first;
  Bucket& bucket = it->second;
  const double elapsed_seconds = static_cast<double>(std::max<Nanos>(now - bucket.refilled_at, 0)) / 1e9;
  bucket.tokens = std::min(kBurstPerKind, bucket.tokens + elapsed_seconds * kLinesPerSecondPerKind);
  bucket.refilled_at = now;
  if (bucket.tokens < 1) {
    ++bucket.suppressed;
    return;
  }
  bucket.tokens -= 1;
  const std::time_t unix_seconds = static_cast<std::time_t>(now / seconds(1));
  std::tm utc{};
  gmtime_r(&unix_seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::string line = fmt::format("{}.{:03}Z {} {} {}", stamp, (now / ms(1)) % 1000, process_, kind, detail);
  if (bucket.suppressed > 0) {
    line += fmt::format(" suppressed={}", bucket.suppressed);
    bucket.suppressed = 0;
  }
  // Details can carry bytes from the network: one event stays one line of
  // printable text (\xNN for anything else), so the log greps as text.
  std::string text;
  text.reserve(line.size() + 1);
  for (const char c : line) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '\\') {
      text += fmt::format("\\x{:02x}", byte);
    } else {
      text += c;
    }
  }
  text += '\n';
  line = std::move(text);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);  // a line at a time: the log is read while the node runs
}

}  // namespace slotsim::real
