#include "callsink/timestamp.hpp"

#include <cstdio>
#include <ctime>

namespace callsink {

std::string format_rfc3339_ms(std::chrono::system_clock::time_point at) {
    using namespace std::chrono;
    auto const since_epoch = at.time_since_epoch();
    auto const secs = floor<seconds>(since_epoch);
    auto const millis = duration_cast<milliseconds>(since_epoch - secs).count();
    std::time_t const t = static_cast<std::time_t>(secs.count());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(millis));
    return text;
}

}  // namespace callsink
