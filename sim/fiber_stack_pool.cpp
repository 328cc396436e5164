#include "sim/fiber_stack_pool.h"

// A no-op without AddressSanitizer.
#include <sanitizer/asan_interface.h>

namespace slotsim::sim {

FiberStackPool::FiberStackPool(std::size_t stack_bytes) : stack_bytes_(stack_bytes) {}

FiberStackPool::~FiberStackPool() {
  boost::context::protected_fixedsize_stack allocator(stack_bytes_);
  for (auto& stack : free_) {
    // Unmapped memory keeps its shadow: without this, the next mapping at
    // this address (a malloc'd buffer, say) would carry a dead fiber's
    // out-of-scope marks and trip ASan (seen in SQLite after a run).
    ASAN_UNPOISON_MEMORY_REGION(static_cast<char*>(stack.sp) - stack.size, stack.size);
    allocator.deallocate(stack);
  }
}

boost::context::stack_context FiberStackPool::allocate() {
  boost::context::stack_context stack;
  if (!free_.empty()) {
    stack = free_.back();
    free_.pop_back();
  } else {
    ++allocated_;
    stack = boost::context::protected_fixedsize_stack(stack_bytes_).allocate();
  }
  // A fiber killed mid-call (its process crashed) never unwound: ASan still
  // marks its frames' locals out of scope, on this stack or on the memory an
  // earlier, unmapped stack had at this address; the next fiber would trip on
  // them.
  ASAN_UNPOISON_MEMORY_REGION(static_cast<char*>(stack.sp) - stack.size, stack.size);
  return stack;
}

void FiberStackPool::deallocate(boost::context::stack_context& stack) { free_.push_back(stack); }

}  // namespace slotsim::sim
