// A blocking RESP client over one Env connection: what simulated clients, the
// operator and the shell use to talk to nodes. Not thread-safe; one fiber at
// a time per client.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "env/env.h"
#include "node/resp_value.h"

namespace slotsim::client {

// Takes the replies that are not errors in the caller's own form instead of
// a RespValue: a workload builds its history values straight from the bytes.
class ReplyReader {
 public:
  virtual ~ReplyReader() = default;
  // Parses one reply from the start of input (with node::ReplyParser, so it
  // judges every input as parse_reply does); when done, sets consumed.
  virtual node::ReplyStep read(std::string_view input, std::size_t& consumed) = 0;
};

struct CallResult {
  IoError error = IoError::ok;  // ok: reply holds the answer
  node::RespValue reply;        // left empty (null) when a ReplyReader took the answer
  // Whether the command left this client. When false and error != ok, the
  // server never saw it (a failed connect): it certainly did not happen.
  bool sent = false;
};

class RespClient {
 public:
  RespClient(Env& env, Address address) : env_(env), address_(std::move(address)) {}

  // Connects if needed, sends the command, waits for its reply until the
  // deadline. On any error the connection is dropped (the next call reconnects).
  // With a reader, a reply that is not an error goes to it.
  CallResult call(const std::vector<std::string>& args, Nanos deadline, ReplyReader* reader = nullptr);
  bool connected() const { return conn_ != nullptr; }
  void disconnect();
  const Address& address() const { return address_; }

 private:
  Env& env_;
  Address address_;
  std::unique_ptr<Connection> conn_;
  std::string buffer_;
  std::string request_;  // the encoded command, its capacity kept from call to call
};

}  // namespace slotsim::client
