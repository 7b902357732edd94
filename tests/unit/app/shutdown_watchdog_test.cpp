// The shutdown watchdog on a clock the test moves: it expires at its deadline and not before,
// and never once disarmed.
#include "callsink/app/shutdown_watchdog.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <sstream>

#include "eventually.hpp"
#include "manual_clock.hpp"

namespace callsink {
namespace {

using namespace std::chrono_literals;

struct WatchdogTest : ::testing::Test {
    std::ostringstream log;
    spdlog::logger logger{"test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)};
    testing::ManualClock clock;
    std::atomic<int> expired{0};
    std::atomic<WaitClock::duration::rep> expired_at{-1};  // the clock's time when it expired
    ShutdownWatchdog watchdog{logger, clock, [this] {
                                  expired_at = clock.now().time_since_epoch().count();
                                  ++expired;
                              }};
};

TEST_F(WatchdogTest, ExpiresAtItsDeadlineAndNotBefore) {
    watchdog.arm(10s);
    clock.advance(9999ms);  // wakes the worker, which must go back to waiting
    clock.advance(1ms);
    EXPECT_TRUE(testing::eventually([&] { return expired.load() == 1; }));
    // Had it expired on the first advance, the clock would have read 9,999 ms then.
    EXPECT_EQ(WaitClock::duration(expired_at.load()), 10s);
    EXPECT_NE(log.str().find("shutdown did not finish within 10000 ms"), std::string::npos)
        << log.str();
}

TEST_F(WatchdogTest, OnceDisarmedNeverExpires) {
    watchdog.arm(10s);
    watchdog.disarm();
    clock.advance(1h);
    watchdog.arm(1s);  // too late: the stop has finished
    clock.advance(1h);
    EXPECT_EQ(expired.load(), 0);
    EXPECT_EQ(log.str(), "");
}

TEST_F(WatchdogTest, ASecondArmKeepsTheFirstDeadline) {
    watchdog.arm(10s);
    watchdog.arm(1h);
    clock.advance(10s);
    EXPECT_TRUE(testing::eventually([&] { return expired.load() == 1; }));
}

}  // namespace
}  // namespace callsink
