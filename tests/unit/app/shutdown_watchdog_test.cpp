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
    // Each advance once its worker waits on the clock: at 9,999 ms it has looked at the time and
    // gone back to waiting, not merely not run yet.
    ASSERT_TRUE(clock.wait_until_waiting());
    EXPECT_EQ(clock.last_deadline(), WaitClock::time_point(10s));
    clock.advance(9999ms);
    ASSERT_TRUE(clock.wait_until_waiting());
    EXPECT_EQ(expired.load(), 0);
    clock.advance(1ms);
    EXPECT_TRUE(testing::eventually([&] { return expired.load() == 1; }));
    EXPECT_EQ(WaitClock::duration(expired_at.load()), 10s);
    EXPECT_NE(log.str().find("shutdown did not finish within 10000 ms"), std::string::npos)
        << log.str();
}

TEST_F(WatchdogTest, OnceDisarmedNeverExpires) {
    watchdog.arm(10s);
    ASSERT_TRUE(clock.wait_until_waiting());  // armed: its worker waits for the deadline
    watchdog.disarm();
    // Settled: disarm() returned once the worker ended, so nothing waits on the clock any more,
    // and what follows cannot wake it.
    EXPECT_EQ(clock.waiting(), 0u);
    clock.advance(1h);
    watchdog.arm(1s);  // too late: the stop has finished
    EXPECT_EQ(clock.waiting(), 0u);
    clock.advance(1h);
    EXPECT_EQ(expired.load(), 0);
    EXPECT_EQ(log.str(), "");
}

TEST_F(WatchdogTest, ASecondArmKeepsTheFirstDeadline) {
    watchdog.arm(10s);
    watchdog.arm(1h);
    ASSERT_TRUE(clock.wait_until_waiting());
    EXPECT_EQ(clock.last_deadline(), WaitClock::time_point(10s));
    clock.advance(10s);
    EXPECT_TRUE(testing::eventually([&] { return expired.load() == 1; }));
    EXPECT_EQ(WaitClock::duration(expired_at.load()), 10s);
}

}  // namespace
}  // namespace callsink
