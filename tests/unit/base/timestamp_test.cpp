#include "callsink/base/timestamp.hpp"

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

TEST(FormatRfc3339, KnowsTheCalendar) {
    EXPECT_EQ(format_rfc3339_ms(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
    sys_days const leap_day = 2028y / February / 29;
    EXPECT_EQ(format_rfc3339_ms(system_clock::time_point(leap_day + 23h + 59min + 59s + 999ms)),
              "2028-02-29T23:59:59.999Z");
    sys_days const new_year = 2027y / January / 1;
    EXPECT_EQ(format_rfc3339_ms(system_clock::time_point(new_year) - 1ms),
              "2026-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace callsink
