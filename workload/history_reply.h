// Replies read straight into history values, with no RespValue in between:
// every read of a run goes through here. Integers stay integers, bulk and
// status text that is a decimal integer becomes one (workloads write unique
// integers), arrays become lists, nil becomes null.
#pragma once

#include <cstddef>
#include <string_view>

#include "checker/history.h"
#include "client/resp_client.h"

namespace slotsim::workload {

class HistoryReplyReader final : public client::ReplyReader {
 public:
  node::ReplyStep read(std::string_view input, std::size_t& consumed) override;
  // The last reply read, as a history value (null before the first).
  checker::Value take() { return std::move(value_); }

 private:
  checker::Value value_;
};

}  // namespace slotsim::workload
