#include "client/resp_client.h"

namespace slotsim::client {

void RespClient::disconnect() {
  conn_.reset();
  buffer_.clear();
}

CallResult RespClient::call(const std::vector<std::string>& args, Nanos deadline) {
  CallResult result;
  // A kept connection may have died since the last call: then reconnect once,
  // as redis-cli does. Nothing was sent on it, so the retry cannot duplicate.
  for (int attempt = 0;; ++attempt) {
    const bool reused = conn_ != nullptr;
    if (!conn_) {
      auto conn = env_.connect(address_, deadline);
      if (!conn) {
        result.error = conn.error();
        return result;
      }
      conn_ = std::move(conn).value();
    }
    const IoError e = conn_->write(node::encode_command(args));
    if (e == IoError::ok) {
      result.sent = true;
      break;
    }
    disconnect();
    if (!reused || attempt > 0) {
      result.error = e;
      return result;
    }
  }
  char chunk[16 * 1024];
  for (;;) {
    node::ParsedReply parsed = node::parse_reply(buffer_);
    if (parsed.status == node::ParsedReply::Status::value) {
      buffer_.erase(0, parsed.consumed);
      result.reply = std::move(parsed.value);
      return result;
    }
    if (parsed.status == node::ParsedReply::Status::error) {
      disconnect();
      result.error = IoError::reset;  // a peer that speaks garbage is as good as gone
      return result;
    }
    ReadResult r = conn_->read(chunk, sizeof chunk, deadline);
    if (r.error != IoError::ok) {
      disconnect();
      result.error = r.error;
      return result;
    }
    buffer_.append(chunk, r.n);
  }
}

}  // namespace slotsim::client
