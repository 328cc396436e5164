// A Redis Cluster client over Env, in the three kinds the testbed needs:
//
//   smart     - like the common client libraries: loads the slot map (CLUSTER
//               SLOTS), sends each command to the slot's owner, follows MOVED
//               (updating the map, and reloading it), follows ASK by sending
//               ASKING then the command once, retries TRYAGAIN and CLUSTERDOWN
//               with backoff until its deadline.
//   dumb      - no map: sends each command to a random seed node and follows
//               MOVED and ASK from there (the client of the ASKING discussion).
//   no_asking - smart, but follows ASK without sending ASKING (a buggy client:
//               with the correct protocol it bounces between the two nodes).
//
// Every call ends in one of three outcomes, Jepsen-style: ok (the reply is the
// command's), fail (it certainly did not take effect: a redirection or error
// reply, or a connect that never happened) or info (unknown: the command was
// sent and no reply came). A command is re-sent only after an answer proves it
// did not run (MOVED, ASK, TRYAGAIN, CLUSTERDOWN), never after a lost
// connection, so the client never applies a write twice on its own.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/resp_client.h"
#include "env/env.h"

namespace slotsim::client {

enum class ClientKind { smart, dumb, no_asking };

// "smart" / "dumb" / "no_asking"; false when the text is none of them.
bool parse_client_kind(std::string_view text, ClientKind& out);
const char* to_string(ClientKind kind);

struct ClusterClientOptions {
  ClientKind kind = ClientKind::smart;
  std::vector<Address> seeds;  // nodes to start from
  int max_redirects = 16;
  Nanos retry_backoff = ms(100);  // after TRYAGAIN / CLUSTERDOWN, doubling up to 1 s
};

enum class Outcome { ok, fail, info };

struct ClusterResult {
  Outcome outcome = Outcome::fail;
  node::RespValue reply;  // the final reply (ok, or the error that made it fail); ok with a reader: empty
  std::string error;      // why it failed or is unknown, for the history
  Address served_by;      // the node that gave the final answer
  int redirects = 0;
};

class ClusterClient {
 public:
  ClusterClient(Env& env, ClusterClientOptions options);

  // Runs one command (all keys in one slot) until an outcome or the deadline.
  // With a reader, the final reply goes to it when it is not an error.
  ClusterResult call(const std::vector<std::string>& args, Nanos deadline, ReplyReader* reader = nullptr);
  // Sends a command to one node on this client's own connection to it (WAIT
  // must go where the write went: it counts that connection's writes).
  CallResult call_node(const Address& node, const std::vector<std::string>& args, Nanos deadline) {
    return connection(node).call(args, deadline);
  }
  // Reloads the slot map from any seed or known node (smart clients do it on MOVED).
  bool refresh_slot_map(Nanos deadline);

 private:
  RespClient& connection(const Address& address);
  Address pick_random_seed();
  Address owner_of(int slot);
  int slot_of(const std::vector<std::string>& args) const;

  Env& env_;
  ClusterClientOptions options_;
  std::map<Address, std::unique_ptr<RespClient>> connections_;
  void fill_owner(int first, int last, std::int16_t index);  // slots first..last
  std::array<std::int16_t, 16384> slot_owner_{};  // index into owners_, -1 unknown
  std::vector<Address> owners_;
  bool map_loaded_ = false;
};

}  // namespace slotsim::client
