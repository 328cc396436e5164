#include "node/outbox.h"

namespace slotsim::node {

std::shared_ptr<Outbox> Outbox::create(Env& env, std::string fiber_name, std::size_t limit_bytes) {
  std::shared_ptr<Outbox> outbox(new Outbox(env, limit_bytes));
  // The fiber holds the outbox alive until it has finished writing or closed.
  env.spawn(std::move(fiber_name), [outbox] { outbox->write_loop(); });
  return outbox;
}

Outbox::Outbox(Env& env, std::size_t limit_bytes)
    : env_(env), limit_bytes_(limit_bytes), wake_(env.make_condition()) {}

void Outbox::attach(std::shared_ptr<Connection> conn) {
  if (closed_) {
    conn->close();
    return;
  }
  conn_ = std::move(conn);
  wake_->notify_all();
}

bool Outbox::send(std::string data) {
  if (closed_) return false;
  if (data.empty()) return true;
  pending_bytes_ += data.size();
  queue_.push_back(std::move(data));
  if (pending_bytes_ > limit_bytes_) {
    env_.trace("outbox_overflow", "pending_bytes=" + std::to_string(pending_bytes_));
    close();
    return false;
  }
  wake_->notify_all();
  return true;
}

void Outbox::close() {
  if (closed_) return;
  closed_ = true;
  queue_.clear();
  pending_bytes_ = 0;
  if (conn_) conn_->close();
  wake_->notify_all();
}

void Outbox::write_loop() {
  for (;;) {
    while (!closed_ && (conn_ == nullptr || queue_.empty())) wake_->wait_until(kForever);
    if (closed_) return;
    // Take the whole queue at once: one write per wakeup keeps event counts low.
    std::string batch;
    if (queue_.size() == 1) {  // the usual case: no copy
      batch = std::move(queue_.front());
      queue_.pop_front();
    } else {
      batch.reserve(pending_bytes_);
    }
    while (!queue_.empty()) {
      batch += queue_.front();
      queue_.pop_front();
    }
    pending_bytes_ = 0;
    if (conn_->write(batch) != IoError::ok) {
      close();
      return;
    }
  }
}

}  // namespace slotsim::node
