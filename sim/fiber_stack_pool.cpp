#include "sim/fiber_stack_pool.h"

namespace slotsim::sim {

FiberStackPool::FiberStackPool(std::size_t stack_bytes) : stack_bytes_(stack_bytes) {}

FiberStackPool::~FiberStackPool() {
  boost::context::protected_fixedsize_stack allocator(stack_bytes_);
  for (auto& stack : free_) allocator.deallocate(stack);
}

boost::context::stack_context FiberStackPool::allocate() {
  if (!free_.empty()) {
    auto stack = free_.back();
    free_.pop_back();
    return stack;
  }
  ++allocated_;
  return boost::context::protected_fixedsize_stack(stack_bytes_).allocate();
}

void FiberStackPool::deallocate(boost::context::stack_context& stack) { free_.push_back(stack); }

}  // namespace slotsim::sim
