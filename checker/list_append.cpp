#include "checker/list_append.h"

#include <algorithm>
#include <map>
#include <span>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace slotsim::checker {

std::optional<InputError> validate_list_append_operations(const std::vector<Operation>& operations) {
  std::map<std::pair<std::string, Value>, std::size_t> appended;  // (key, value) -> index, appends that did not fail
  for (std::size_t index = 0; index < operations.size(); ++index) {
    const Operation& op = operations[index];
    switch (op.f) {
      case Function::write:
      case Function::cas:
        return InputError{op.invoke_line, 0,
                          fmt::format("f \"{}\" is not a list-append operation (append, read); use --model register "
                                      "for register histories",
                                      to_string(op.f))};
      case Function::append: {
        if (!op.argument.is_scalar()) {
          return InputError{op.invoke_line, 0,
                            fmt::format("an appended value must be an integer or a string, found {}",
                                        op.argument.to_json(4))};
        }
        if (op.is_fail()) break;
        const auto [it, inserted] = appended.emplace(std::make_pair(op.key, op.argument), index);
        if (!inserted) {
          return InputError{op.invoke_line, 0,
                            fmt::format("{} is appended to key {} again (first at line {}); list-append histories "
                                        "need unique values per key",
                                        op.argument.to_json(), json_quote(op.key),
                                        operations[it->second].invoke_line)};
        }
        break;
      }
      case Function::read:
        if (!op.is_ok() || op.result.is_null()) break;
        if (!op.result.is_list()) {
          return InputError{op.complete_line, 0,
                            fmt::format("a list-append read returns an array, found {}", op.result.to_json(4))};
        }
        for (const Value& item : op.result.items()) {
          if (!item.is_scalar()) {
            return InputError{op.complete_line, 0,
                              fmt::format("a list element must be an integer or a string, found {}", item.to_json(4))};
          }
        }
        break;
    }
  }
  return std::nullopt;
}

namespace {

struct Append {
  std::size_t op = 0;
  Nanos invoke_ns = 0;
  Nanos complete_ns = kForever;  // kForever unless ok: an info append is never acknowledged
  bool ok = false;
  std::uint64_t seen_in_read = 0;  // stamp of the last read that contained it
  std::size_t position = 0;        // its position in that read
};

struct KeyResult {
  bool invalid = false;
  std::string explanation;
  std::vector<std::size_t> operations;
};

class KeyChecker {
 public:
  KeyChecker(const std::vector<Operation>& all, const std::vector<std::size_t>& ids, const std::string& key)
      : all_(all), ids_(ids), key_(printable_key(key)) {}

  KeyResult run() {
    for (const std::size_t id : ids_) {
      const Operation& op = all_[id];
      if (op.f != Function::append) continue;
      if (op.is_fail()) {
        failed_.emplace(op.argument, id);
        continue;
      }
      Append a;
      a.op = id;
      a.invoke_ns = op.invoke_ns;
      a.ok = op.is_ok();
      a.complete_ns = a.ok ? op.complete_ns : kForever;
      if (index_.emplace(op.argument, appends_.size()).second) appends_.push_back(a);
    }
    for (std::size_t i = 0; i < appends_.size(); ++i) {
      if (appends_[i].ok) acknowledged_.push_back(i);
    }
    std::stable_sort(acknowledged_.begin(), acknowledged_.end(),
                     [&](std::size_t x, std::size_t y) { return appends_[x].complete_ns < appends_[y].complete_ns; });
    for (const std::size_t id : ids_) {
      const Operation& op = all_[id];
      if (op.f == Function::read && op.is_ok() && !check_read(id)) break;
    }
    return result_;
  }

 private:
  // ops: indices into all_; the result names them by Operation::id.
  bool fail(std::string text, std::vector<std::size_t> ops) {
    result_.invalid = true;
    result_.explanation = fmt::format("key {}: {}", key_, text);
    for (const std::size_t i : ops) result_.operations.push_back(all_[i].id);
    return false;
  }

  // False (with result_ set) at the first anomaly in this read.
  bool check_read(std::size_t read_index) {
    read_index_ = read_index;
    const Operation& read = all_[read_index];
    static const std::vector<Value> kEmpty;
    const std::vector<Value>& list = read.result.is_list() ? read.result.items() : kEmpty;
    ++stamp_;
    members_.clear();
    for (std::size_t i = 0; i < list.size(); ++i) {
      // Reads of a key mostly repeat the previous read and add a few items:
      // where this one agrees with it, the item is the same append.
      if (i < previous_list_.size() && previous_list_[i] == list[i]) {
        const std::size_t known = previous_members_[i];
        if (!take_member(read, i, list, known)) return false;
        continue;
      }
      const auto found = index_.find(list[i]);
      if (found == index_.end()) {
        const auto failed = failed_.find(list[i]);
        if (failed == failed_.end()) {
          return fail(fmt::format("phantom: {} contains {}, which no operation appended", describe(read),
                                  list[i].to_json()),
                      {read_index_});
        }
        return fail(fmt::format("phantom: {} contains {}, which only {} appended, and fail means it did not happen",
                                describe(read), list[i].to_json(), describe(all_[failed->second])),
                    {read_index_, failed->second});
      }
      if (!take_member(read, i, list, found->second)) return false;
    }
    if (!check_lost(read) || !check_order(read)) return false;
    previous_list_ = list;
    std::swap(previous_members_, members_);
    return true;
  }

  // Notes that the read has append `index` at position i; false (with
  // result_ set) when it already had it.
  bool take_member(const Operation& read, std::size_t i, const std::vector<Value>& list, std::size_t index) {
    Append& a = appends_[index];
    if (a.seen_in_read == stamp_) {
      return fail(fmt::format("duplicate: {} contains {} twice (positions {} and {}), appended once by {}",
                              describe(read), list[i].to_json(), a.position, i, describe(all_[a.op])),
                  {read_index_, a.op});
    }
    a.seen_in_read = stamp_;
    a.position = i;
    members_.push_back(index);
    return true;
  }

  // Every append acknowledged before the read began, or before an append the
  // read contains began, must be in the read.
  bool check_lost(const Operation& read) {
    Nanos threshold = read.invoke_ns;
    std::size_t latest = members_.size();  // the contained append invoked last
    for (std::size_t i = 0; i < members_.size(); ++i) {
      const Append& a = appends_[members_[i]];
      if (a.invoke_ns > threshold) {
        threshold = a.invoke_ns;
        latest = i;
      }
    }
    // Acknowledgements strictly before the threshold are required.
    const auto required = static_cast<std::size_t>(
        std::lower_bound(acknowledged_.begin(), acknowledged_.end(), threshold,
                         [&](std::size_t x, Nanos t) { return appends_[x].complete_ns < t; }) -
        acknowledged_.begin());
    std::size_t present = 0;
    for (const std::size_t m : members_) {
      if (appends_[m].ok && appends_[m].complete_ns < threshold) ++present;
    }
    if (present == required) return true;
    for (std::size_t r = 0; r < required; ++r) {
      const Append& missing = appends_[acknowledged_[r]];
      if (missing.seen_in_read == stamp_) continue;
      if (missing.complete_ns < read.invoke_ns || latest == members_.size()) {
        return fail(fmt::format("lost write: {} was acknowledged before {} was invoked, but the read lacks it",
                                describe(all_[missing.op]), describe(read)),
                    {missing.op, read_index_});
      }
      const Append& later = appends_[members_[latest]];
      return fail(fmt::format("lost write: {} lacks {}, though it contains {}, invoked after that append was "
                              "acknowledged",
                              describe(read), describe(all_[missing.op]), describe(all_[later.op])),
                  {read_index_, missing.op, later.op});
    }
    return true;
  }

  // No element may come before one whose append was acknowledged before the
  // element's own append was invoked.
  bool check_order(const Operation& read) {
    const std::size_t n = members_.size();
    if (n < 2) return true;
    // earliest[i]: the position in [i, n) whose append was acknowledged first.
    earliest_.assign(n, 0);
    earliest_[n - 1] = n - 1;
    for (std::size_t i = n - 1; i-- > 0;) {
      const std::size_t after = earliest_[i + 1];
      earliest_[i] = appends_[members_[i]].complete_ns < appends_[members_[after]].complete_ns ? i : after;
    }
    for (std::size_t i = 0; i + 1 < n; ++i) {
      const Append& first_in_read = appends_[members_[i]];
      const Append& acked_earlier = appends_[members_[earliest_[i + 1]]];
      if (acked_earlier.complete_ns < first_in_read.invoke_ns) {
        return fail(fmt::format("reorder: {} was acknowledged before {} was invoked, but {} has them the other "
                                "way round (positions {} and {})",
                                describe(all_[acked_earlier.op]), describe(all_[first_in_read.op]), describe(read),
                                earliest_[i + 1], i),
                    {acked_earlier.op, first_in_read.op, read_index_});
      }
    }
    return true;
  }

  const std::vector<Operation>& all_;
  const std::vector<std::size_t>& ids_;
  const std::string key_;
  std::vector<Append> appends_;
  std::map<Value, std::size_t> index_;   // appended value -> appends_ index (appends that did not fail)
  std::map<Value, std::size_t> failed_;  // appended value -> op, appends that failed
  std::vector<std::size_t> acknowledged_;  // ok appends, by acknowledgement time
  std::vector<std::size_t> members_;       // appends_ indices of the current read, in its order
  std::vector<std::size_t> earliest_;
  // The last read that passed, and its members_.
  std::span<const Value> previous_list_;
  std::vector<std::size_t> previous_members_;
  std::uint64_t stamp_ = 0;
  std::size_t read_index_ = 0;  // the read being checked
  KeyResult result_;
};

}  // namespace

CheckResult check_list_append(const std::vector<Operation>& operations) {
  std::map<std::string, std::vector<std::size_t>> by_key;
  for (std::size_t i = 0; i < operations.size(); ++i) by_key[operations[i].key].push_back(i);
  CheckResult result;
  for (const auto& [key, ids] : by_key) {
    KeyResult key_result = KeyChecker(operations, ids, key).run();
    ++result.keys_checked;
    if (key_result.invalid) {
      result.verdict = Verdict::invalid;
      result.key = key;
      result.explanation = std::move(key_result.explanation);
      result.operations = std::move(key_result.operations);
      return result;
    }
  }
  return result;
}

}  // namespace slotsim::checker
