// Builds the daemon's own logger: one line per notable happening, to standard error (so journald
// captures it), as text or as one JSON object per line ([log] format). Made once in main and
// passed to every component that logs; no spdlog default-logger registry is used.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>

namespace callsink {

enum class LogFormat { text, json };

// [log] in the configuration file.
struct LogOptions {
    std::string level =
        "info";  // spdlog level name: trace, debug, info, warn, error, critical, off
    LogFormat format = LogFormat::text;
};

std::shared_ptr<spdlog::logger> make_daemon_logger(LogOptions const& options);

}  // namespace callsink
