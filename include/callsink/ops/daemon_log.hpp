// Builds the daemon's own logger: one line per notable happening, to standard error (so journald
// captures it), as text or as one JSON object per line ([log] format). Made once in main and
// passed to every component that logs; no spdlog default-logger registry is used.
#pragma once

#include <spdlog/logger.h>

#include <memory>

#include "callsink/app/config_file.hpp"

namespace callsink {

std::shared_ptr<spdlog::logger> make_daemon_logger(LogOptions const& options);

}  // namespace callsink
