#include "node/aof.h"

#include <stdexcept>

#include "node/resp_parser.h"
#include "node/resp_value.h"

namespace slotsim::node {

Aof::Aof(Env& env, AppendFsync policy) : env_(env), policy_(policy) {}

Aof::LoadReport Aof::load(const std::function<void(const Command&)>& apply) {
  LoadReport report;
  auto opened = env_.open_file(kFileName, OpenMode::create);
  if (!opened) throw std::runtime_error("can't open the append only file: " + std::string(to_string(opened.error())));
  file_ = std::move(opened).value();
  env_.sync_directory();  // the file itself must survive a crash, not only its bytes
  auto content = file_->read_at(0, file_->size());
  if (!content) throw std::runtime_error("can't read the append only file");
  const std::string& data = *content;
  std::size_t offset = 0;
  std::size_t safe_offset = 0;  // end of the last whole command outside a transaction
  std::vector<Command> transaction;
  bool in_transaction = false;
  while (offset < data.size()) {
    if (data[offset] != '*') {
      throw std::runtime_error("bad file format reading the append only file at offset " + std::to_string(offset) +
                               ": a command must start with '*'");
    }
    ParsedRequest parsed = parse_request(std::string_view(data).substr(offset));
    if (parsed.status == ParsedRequest::Status::need_more) break;  // a torn tail
    if (parsed.status == ParsedRequest::Status::error) {
      // Garbage in the middle is not a crash artefact: refuse, as Redis does.
      throw std::runtime_error("bad file format reading the append only file at offset " + std::to_string(offset) +
                               ": " + parsed.error);
    }
    offset += parsed.consumed;
    if (parsed.status == ParsedRequest::Status::empty) continue;
    std::string name = parsed.args[0];
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "multi") {
      in_transaction = true;
      transaction.clear();
    } else if (name == "exec" && in_transaction) {
      for (const auto& command : transaction) apply(command);
      report.commands += transaction.size();
      in_transaction = false;
    } else if (in_transaction) {
      transaction.push_back(std::move(parsed.args));
    } else {
      apply(parsed.args);
      ++report.commands;
    }
    if (!in_transaction) safe_offset = offset;
  }
  // A torn tail, or a transaction whose EXEC never made it: cut it off.
  if (safe_offset < data.size()) {
    report.truncated_bytes = data.size() - safe_offset;
    file_->truncate(safe_offset);
    file_->sync();
    env_.trace("aof_truncated", "kept=" + std::to_string(safe_offset) + " cut=" + std::to_string(report.truncated_bytes));
  }
  return report;
}

void Aof::append(const Command& command) {
  if (!file_) return;
  append_encoded(encode_command(command));
}

void Aof::append_encoded(std::string_view encoded) {
  if (!file_) return;
  file_->append(encoded);
  appended_bytes_ += encoded.size();
  dirty_ = true;
}

void Aof::rewrite(const std::vector<Command>& commands) {
  static constexpr const char* kTempName = "appendonly.aof.rewrite";
  auto temp = env_.open_file(kTempName, OpenMode::create_truncate);
  if (!temp) {
    env_.trace("aof_rewrite_failed", std::string(to_string(temp.error())));
    return;
  }
  std::string data;
  for (const auto& command : commands) data += encode_command(command);
  (*temp)->append(data);
  (*temp)->sync();
  env_.rename_file(kTempName, kFileName);
  env_.sync_directory();
  auto reopened = env_.open_file(kFileName, OpenMode::open_existing);
  if (!reopened) {
    env_.trace("aof_rewrite_failed", std::string(to_string(reopened.error())));
    return;
  }
  file_ = std::move(reopened).value();
  appended_bytes_ = data.size();
  dirty_ = false;
  if (policy_ != AppendFsync::always) env_.trace("aof_synced", "rewrite=1");
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
  // Writes acknowledged before this are durable: the checker's bound on what a crash may lose.
  env_.trace("aof_synced", "");
}

}  // namespace slotsim::node
