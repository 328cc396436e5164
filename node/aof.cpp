#include "node/aof.h"

#include "node/resp_parser.h"
#include "node/resp_value.h"

namespace slotsim::node {

Aof::Aof(Env& env, AppendFsync policy) : env_(env), policy_(policy) {}

Aof::LoadReport Aof::load(const std::function<void(const Command&)>& apply) {
  LoadReport report;
  auto opened = env_.open_file(kFileName, OpenMode::create);
  if (!opened) {
    env_.trace("aof_open_failed", std::string(to_string(opened.error())));
    return report;
  }
  file_ = std::move(opened).value();
  auto content = file_->read_at(0, file_->size());
  if (!content) return report;
  const std::string& data = *content;
  std::size_t offset = 0;
  while (offset < data.size()) {
    ParsedRequest parsed = parse_request(std::string_view(data).substr(offset));
    if (parsed.status == ParsedRequest::Status::command) {
      apply(parsed.args);
      ++report.commands;
      offset += parsed.consumed;
    } else if (parsed.status == ParsedRequest::Status::empty) {
      offset += parsed.consumed;
    } else {
      break;  // need_more (torn tail) or garbage: keep the whole commands before it
    }
  }
  if (offset < data.size()) {
    report.truncated_bytes = data.size() - offset;
    file_->truncate(offset);
    file_->sync();
    env_.trace("aof_truncated", "kept=" + std::to_string(offset) + " cut=" + std::to_string(report.truncated_bytes));
  }
  return report;
}

void Aof::append(const Command& command) {
  if (!file_) return;
  const std::string encoded = encode_command(command);
  file_->append(encoded);
  appended_bytes_ += encoded.size();
  dirty_ = true;
}

void Aof::sync_if_always() {
  if (policy_ != AppendFsync::always || !dirty_ || !file_) return;
  file_->sync();
  dirty_ = false;
}

void Aof::sync_every_second(Nanos now) {
  if (policy_ != AppendFsync::everysec || !dirty_ || !file_) return;
  if (now - last_sync_ < ms(1000)) return;
  file_->sync();
  dirty_ = false;
  last_sync_ = now;
}

}  // namespace slotsim::node
