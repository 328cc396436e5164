// Static configuration of a node (what redis.conf would hold).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "env/time.h"
#include "node/variants.h"

namespace slotsim::node {

enum class AppendFsync { always, everysec, no };

// redis.conf's spelling: "always", "everysec", "no".
inline const char* appendfsync_name(AppendFsync mode) {
  switch (mode) {
    case AppendFsync::always: return "always";
    case AppendFsync::everysec: return "everysec";
    case AppendFsync::no: return "no";
  }
  return "everysec";
}
inline std::optional<AppendFsync> parse_appendfsync(std::string_view text) {
  for (AppendFsync mode : {AppendFsync::always, AppendFsync::everysec, AppendFsync::no}) {
    if (text == appendfsync_name(mode)) return mode;
  }
  return std::nullopt;
}

struct NodeConfig {
  std::uint16_t port = 6379;
  std::uint16_t bus_port = 0;     // 0: port + 10000
  std::string announce_ip;        // the address in MOVED/ASK and CLUSTER NODES; empty: env.host()
  bool cluster_enabled = true;
  bool require_full_coverage = true;
  Nanos node_timeout = ms(15000);
  bool appendonly = true;
  AppendFsync appendfsync = AppendFsync::everysec;
  std::string requirepass;        // empty: no AUTH needed
  Nanos migrate_default_timeout = ms(1000);
  Variants variants;

  std::uint16_t cluster_bus_port() const { return bus_port != 0 ? bus_port : static_cast<std::uint16_t>(port + 10000); }
};

}  // namespace slotsim::node
