// What a process is: a service object built by a factory from an Env alone.
// The factory must not block: it reads its files, then spawns fibers. A crash
// kills the fibers first and then destroys the service; a restart calls the
// factory again, so everything a service remembers across a crash must come
// from its files.
#pragma once

#include <functional>
#include <memory>

#include "env/env.h"

namespace slotsim {

class Service {
 public:
  virtual ~Service() = default;
};

using ServiceFactory = std::function<std::unique_ptr<Service>(Env&)>;

}  // namespace slotsim
