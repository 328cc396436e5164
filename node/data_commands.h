// The single-node data commands (strings, lists, expiry, a few generic ones),
// answering byte for byte like Redis 7.0 in RESP2. Cluster concerns (slot
// ownership, redirection, CROSSSLOT) belong to the caller.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "env/time.h"
#include "node/keyspace.h"

namespace slotsim::node {

// Redis semantics: arity > 0 exact, < 0 minimum (counting the command name);
// last_key -1 = last arg; first_key 0 = no keys.
struct CommandSpec {
  std::string_view name;
  int arity;
  bool write;
  int first_key;
  int last_key;
  int key_step;
};

// Null if the command is not one of these data commands.
const CommandSpec* find_data_command(std::string_view lowercase_name);

// Where the key arguments of a call with argc arguments are: args[first],
// args[first + step], ... while <= last (none when first > last). Routing
// walks these in place instead of copying the keys out.
struct KeyPositions {
  int first = 1;
  int last = 0;
  int step = 1;
};
KeyPositions key_positions(const CommandSpec& spec, std::size_t argc);

// The key arguments, in argument order (duplicates kept).
std::vector<std::string> command_keys(const CommandSpec& spec, const std::vector<std::string>& args);

struct CommandOutcome {
  std::string reply;
  // What must be written to the AOF and replicas for this command to have the
  // same effect elsewhere, in order: first a DEL for every key that expired
  // lazily (everything Keyspace::take_expired() held), then the command itself
  // (relative expiries rewritten as absolute). Redis 7.0 wraps more than one
  // entry in MULTI/EXEC when it propagates.
  std::vector<std::vector<std::string>> propagate;
};

// How a command treats keys whose expiry has passed; Redis differs by role.
enum class ExpiryMode {
  // A primary serving clients: an expired key is deleted on access and a DEL
  // propagated; EXPIRE to a past time deletes the key (propagated as DEL).
  active,
  // A replica serving reads: an expired key looks absent but stays until the
  // primary's DEL arrives; nothing is propagated for it.
  hidden,
  // Replaying the AOF or applying the primary's stream: keys never expire, and
  // EXPIRE to a past time stores that expiry (as Redis while loading or on a
  // replica), so the replay ends in the state the primary had.
  ignored,
};

// args[0] is the command name as sent (any case). Arity was checked by the
// caller. The ms clock is floor(now / 1ms). With propagate = false (a replica
// applying its primary's stream, an AOF replay: nothing is passed on), the
// outcome's propagate list is left empty and the command's own copy of its
// arguments for it is never made.
CommandOutcome execute_data_command(const CommandSpec& spec, Keyspace& keys, Nanos now,
                                    const std::vector<std::string>& args,
                                    ExpiryMode mode = ExpiryMode::active, bool propagate = true);
// The same for a caller that gives its arguments up: a command propagated as
// sent takes them over instead of copying them (args is left unspecified).
CommandOutcome execute_data_command(const CommandSpec& spec, Keyspace& keys, Nanos now,
                                    std::vector<std::string>&& args, ExpiryMode mode = ExpiryMode::active);

// Redis's string2ll: optional '-', no '+', no spaces, no leading zeros (except
// "0" itself), at most 20 bytes, within int64. Nullopt if not such an integer.
std::optional<std::int64_t> parse_redis_int(std::string_view text);

}  // namespace slotsim::node
