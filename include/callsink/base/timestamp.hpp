// Formats callsink's own timestamps (`received.at`): RFC 3339, UTC, milliseconds, "Z".
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace callsink {

std::string format_rfc3339_ms(std::chrono::system_clock::time_point at);

// The source of "now"; injected so tests can fix the time.
using Clock = std::function<std::chrono::system_clock::time_point()>;

inline Clock system_clock() {
    return [] { return std::chrono::system_clock::now(); };
}

}  // namespace callsink
