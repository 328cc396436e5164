// A process made of one function run in a fiber named "main": the shortest
// way to write a test process, a client or an operator.
#pragma once

#include <functional>
#include <memory>

#include "env/service.h"

namespace slotsim {

class FunctionService final : public Service {
 public:
  FunctionService(Env& env, std::function<void(Env&)> body) {
    env.spawn("main", [&env, body = std::move(body)] { body(env); });
  }
};

inline ServiceFactory function_process(std::function<void(Env&)> body) {
  return [body = std::move(body)](Env& env) { return std::make_unique<FunctionService>(env, body); };
}

}  // namespace slotsim
