#include "client/resp_client.h"

namespace slotsim::client {

void RespClient::disconnect() {
  conn_.reset();
  buffer_.clear();
}

CallResult RespClient::call(const std::vector<std::string>& args, Nanos deadline, ReplyReader* reader) {
  CallResult result;
  request_.clear();
  node::append_command(request_, args);
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
    const IoError e = conn_->write(request_);
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
    // Errors always come as a RespValue: callers judge redirections by them.
    node::ReplyStep step = node::ReplyStep::need_more;
    std::size_t consumed = 0;
    if (buffer_.empty()) {
      // Nothing to parse yet (the usual case right after sending): read first.
    } else if (reader != nullptr && buffer_.front() != '-') {
      step = reader->read(buffer_, consumed);
    } else {
      node::ParsedReply parsed = node::parse_reply(buffer_);
      if (parsed.status == node::ParsedReply::Status::value) {
        step = node::ReplyStep::done;
        consumed = parsed.consumed;
        result.reply = std::move(parsed.value);
      } else if (parsed.status == node::ParsedReply::Status::error) {
        step = node::ReplyStep::error;
      }
    }
    if (step == node::ReplyStep::done) {
      buffer_.erase(0, consumed);
      return result;
    }
    if (step == node::ReplyStep::error) {
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
