// Fixed-size fiber stacks, reused instead of mmapped per fiber: a campaign
// spawns a fiber per connection and per request, and mmap/munmap per fiber
// would dominate. Each stack keeps its guard page (protected_fixedsize_stack).
#pragma once

#include <boost/context/protected_fixedsize_stack.hpp>
#include <boost/context/stack_context.hpp>
#include <cstddef>
#include <vector>

namespace slotsim::sim {

class FiberStackPool {
 public:
  explicit FiberStackPool(std::size_t stack_bytes);
  ~FiberStackPool();
  FiberStackPool(const FiberStackPool&) = delete;
  FiberStackPool& operator=(const FiberStackPool&) = delete;

  boost::context::stack_context allocate();
  void deallocate(boost::context::stack_context& stack);
  std::size_t stack_bytes() const { return stack_bytes_; }
  std::size_t allocated() const { return allocated_; }

 private:
  std::size_t stack_bytes_;
  std::size_t allocated_ = 0;
  std::vector<boost::context::stack_context> free_;
};

// The StackAllocator concept boost::context::fiber expects; a cheap handle.
struct PooledStackAllocator {
  FiberStackPool* pool;
  boost::context::stack_context allocate() { return pool->allocate(); }
  void deallocate(boost::context::stack_context& stack) { pool->deallocate(stack); }
};

}  // namespace slotsim::sim
