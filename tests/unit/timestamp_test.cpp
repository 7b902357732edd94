#include "callsink/timestamp.hpp"

#include <gtest/gtest.h>

namespace callsink {
namespace {

using namespace std::chrono;

TEST(FormatRfc3339, WritesUtcWithMillisecondsAndZ) {
    sys_days const day = 2026y / November / 22;
    auto const at = system_clock::time_point(day + 18h + 0min + 5s + 123ms + 999us);
    EXPECT_EQ(format_rfc3339_ms(at), "2026-11-22T18:00:05.123Z");
}

TEST(FormatRfc3339, PadsEveryField) {
    sys_days const day = 2024y / March / 5;
    EXPECT_EQ(format_rfc3339_ms(system_clock::time_point(day + 1h + 2min + 3s + 4ms)),
              "2024-03-05T01:02:03.004Z");
}

}  // namespace
}  // namespace callsink
