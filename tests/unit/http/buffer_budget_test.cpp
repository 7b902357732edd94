// BufferBudget and BufferCharge: taking and giving back, the refusal past the limit (nothing
// taken then), the reserve kept for small holdings, the forced take, smallest_limit_for()'s
// boundary, the once-per-burst log and the counter of refusals, and many threads at once.
#include "callsink/http/buffer_budget.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "callsink/http/session.hpp"
#include "callsink/ops/metrics.hpp"

namespace callsink {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::size_t kSmall = BufferBudget::kSmallHolding;

class BufferBudgetTest : public ::testing::Test {
  protected:
    // The lines logged so far, as "<level>: <message>".
    std::vector<std::string> lines() const { return log_->last_formatted(); }

    std::size_t count_lines(std::string const& level) const {
        auto const all = lines();
        return static_cast<std::size_t>(std::count_if(
            all.begin(), all.end(), [&](auto const& l) { return l.rfind(level + ": ", 0) == 0; }));
    }

    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> log_ = [] {
        auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
        sink->set_pattern("%l: %v");
        return sink;
    }();
    std::shared_ptr<spdlog::logger> logger_ = std::make_shared<spdlog::logger>("test", log_);
    Metrics metrics_;
};

TEST_F(BufferBudgetTest, TakesAndGivesBack) {
    BufferBudget budget(1000, metrics_, logger_);
    EXPECT_EQ(budget.limit(), 1000u);
    EXPECT_EQ(budget.used(), 0u);
    EXPECT_TRUE(budget.try_take(300, 300));
    EXPECT_TRUE(budget.try_take(200, 200));
    EXPECT_EQ(budget.used(), 500u);
    budget.take(100);
    EXPECT_EQ(budget.used(), 600u);
    budget.give_back(250);
    EXPECT_EQ(budget.used(), 350u);
    budget.give_back(350);
    EXPECT_EQ(budget.used(), 0u);
    EXPECT_EQ(metrics_.refused(Refusal::memory), 0u);
}

TEST_F(BufferBudgetTest, TakesUpToExactlyTheLimitAndRefusesAByteMoreTakingNothing) {
    BufferBudget budget(1000, metrics_, logger_);
    EXPECT_TRUE(budget.try_take(600, 600));
    EXPECT_FALSE(budget.try_take(401, 401));
    EXPECT_EQ(budget.used(), 600u);
    EXPECT_TRUE(budget.try_take(400, 400));
    EXPECT_EQ(budget.used(), 1000u);
    EXPECT_FALSE(budget.try_take(1, 1));
    EXPECT_EQ(budget.used(), 1000u);
}

TEST_F(BufferBudgetTest, RefusesATakeLargerThanTheWholeBudgetOnAnEmptyOne) {
    BufferBudget budget(1000, metrics_, logger_);
    EXPECT_FALSE(budget.try_take(1001, 1001));
    EXPECT_EQ(budget.used(), 0u);
    // No overflow in the check, whatever the size asked for.
    EXPECT_FALSE(budget.try_take(static_cast<std::size_t>(-1), static_cast<std::size_t>(-1)));
    EXPECT_EQ(budget.used(), 0u);
}

TEST_F(BufferBudgetTest, LargeHoldingsStopAtThreeQuartersOfTheBudget) {
    std::size_t const limit = 8 * kSmall;  // large part: 6 * kSmall
    BufferBudget budget(limit, metrics_, logger_);
    EXPECT_TRUE(budget.try_take(5 * kSmall, 5 * kSmall));
    // A holding of kSmall + 1 is large: it may not take the budget past 6 * kSmall.
    EXPECT_FALSE(budget.try_take(kSmall + 1, kSmall + 1));
    EXPECT_EQ(budget.used(), 5 * kSmall);
    EXPECT_TRUE(budget.try_take(kSmall, 2 * kSmall));  // grows a holding to 2 * kSmall: large
    EXPECT_EQ(budget.used(), 6 * kSmall);
    EXPECT_FALSE(budget.try_take(1, kSmall + 1));
    EXPECT_EQ(budget.used(), 6 * kSmall);
}

TEST_F(BufferBudgetTest, SmallHoldingsMayUseTheReserveUpToTheWholeBudget) {
    std::size_t const limit = 8 * kSmall;
    BufferBudget budget(limit, metrics_, logger_);
    EXPECT_TRUE(budget.try_take(6 * kSmall, 6 * kSmall));
    EXPECT_FALSE(budget.try_take(1, kSmall + 1));  // the large part is full
    // A holding of exactly kSmall is still small.
    EXPECT_TRUE(budget.try_take(kSmall, kSmall));
    EXPECT_TRUE(budget.try_take(kSmall - 1, kSmall - 1));
    EXPECT_EQ(budget.used(), limit - 1);
    EXPECT_TRUE(budget.try_take(1, 1));
    EXPECT_EQ(budget.used(), limit);
    EXPECT_FALSE(budget.try_take(1, 1));
    EXPECT_EQ(budget.used(), limit);
}

TEST_F(BufferBudgetTest, ALargeTakeRoundsTheReserveDown) {
    // limit / 4 rounds down: the large part of 7 bytes is 6, of 9 bytes 7.
    BufferBudget seven(7, metrics_, logger_);
    EXPECT_TRUE(seven.try_take(6, kSmall + 1));
    EXPECT_FALSE(seven.try_take(1, kSmall + 1));
    BufferBudget nine(9, metrics_, logger_);
    EXPECT_FALSE(nine.try_take(8, kSmall + 1));
    EXPECT_TRUE(nine.try_take(7, kSmall + 1));
}

TEST_F(BufferBudgetTest, CountsEveryRefusalInTheMetrics) {
    BufferBudget budget(1000, metrics_, logger_);
    EXPECT_FALSE(budget.try_take(1001, 1001));
    EXPECT_EQ(metrics_.refused(Refusal::memory), 1u);
    EXPECT_TRUE(budget.try_take(1000, 1000));
    EXPECT_EQ(metrics_.refused(Refusal::memory), 1u);
    for (int i = 0; i < 9; ++i) {
        EXPECT_FALSE(budget.try_take(1, 1));
    }
    EXPECT_EQ(metrics_.refused(Refusal::memory), 10u);
    budget.take(5);  // forced: never a refusal
    EXPECT_EQ(metrics_.refused(Refusal::memory), 10u);
}

TEST_F(BufferBudgetTest, ChargeGrowsAndShrinks) {
    BufferBudget budget(1000, metrics_, logger_);
    BufferCharge charge(budget);
    EXPECT_EQ(charge.held(), 0u);
    EXPECT_TRUE(charge.try_hold(100));
    EXPECT_EQ(charge.held(), 100u);
    EXPECT_EQ(budget.used(), 100u);
    EXPECT_TRUE(charge.try_hold(700));
    EXPECT_EQ(charge.held(), 700u);
    EXPECT_EQ(budget.used(), 700u);
    EXPECT_TRUE(charge.try_hold(250));
    EXPECT_EQ(charge.held(), 250u);
    EXPECT_EQ(budget.used(), 250u);
    EXPECT_TRUE(charge.try_hold(250));
    EXPECT_EQ(budget.used(), 250u);
    EXPECT_TRUE(charge.try_hold(0));
    EXPECT_EQ(charge.held(), 0u);
    EXPECT_EQ(budget.used(), 0u);
}

TEST_F(BufferBudgetTest, ChargeKeepsWhatItHeldWhenGrowingIsRefused) {
    BufferBudget budget(1000, metrics_, logger_);
    BufferCharge other(budget);
    other.hold(600);
    BufferCharge charge(budget);
    EXPECT_TRUE(charge.try_hold(300));
    EXPECT_FALSE(charge.try_hold(401));  // 600 + 401 > 1000
    EXPECT_EQ(charge.held(), 300u);
    EXPECT_EQ(budget.used(), 900u);
    EXPECT_TRUE(charge.try_hold(400));  // exactly the limit
    EXPECT_EQ(budget.used(), 1000u);
    EXPECT_EQ(metrics_.refused(Refusal::memory), 1u);
}

TEST_F(BufferBudgetTest, ChargeGrowsAsALargeHoldingByItsTotalNotByTheIncrement) {
    std::size_t const limit = 8 * kSmall;  // large part: 6 * kSmall
    BufferBudget budget(limit, metrics_, logger_);
    BufferCharge other(budget);
    other.hold(6 * kSmall - 10);
    BufferCharge charge(budget);
    EXPECT_TRUE(charge.try_hold(kSmall));  // small: from the reserve
    // Growing by one byte makes it a large holding, over the large part now.
    EXPECT_FALSE(charge.try_hold(kSmall + 1));
    EXPECT_EQ(charge.held(), kSmall);
    EXPECT_EQ(budget.used(), 7 * kSmall - 10);
}

TEST_F(BufferBudgetTest, ChargeGivesEverythingBackWhenDestroyed) {
    BufferBudget budget(1000, metrics_, logger_);
    {
        BufferCharge first(budget);
        BufferCharge second(budget);
        ASSERT_TRUE(first.try_hold(400));
        second.hold(2000);
        EXPECT_EQ(budget.used(), 2400u);
    }
    EXPECT_EQ(budget.used(), 0u);
    { BufferCharge never_held(budget); }
    EXPECT_EQ(budget.used(), 0u);
}

TEST_F(BufferBudgetTest, HoldForcesPastTheLimitAndLaterGrowthIsRefused) {
    BufferBudget budget(1000, metrics_, logger_);
    BufferCharge charge(budget);
    charge.hold(1500);
    EXPECT_EQ(charge.held(), 1500u);
    EXPECT_EQ(budget.used(), 1500u);
    EXPECT_EQ(metrics_.refused(Refusal::memory), 0u);  // a forced take is no refusal
    BufferCharge other(budget);
    EXPECT_FALSE(other.try_hold(1));
    EXPECT_EQ(other.held(), 0u);
    EXPECT_FALSE(charge.try_hold(1501));
    EXPECT_EQ(charge.held(), 1500u);
    // Shrinking always succeeds, even while over the limit.
    EXPECT_TRUE(charge.try_hold(1200));
    EXPECT_EQ(budget.used(), 1200u);
    charge.hold(100);
    EXPECT_EQ(budget.used(), 100u);
    EXPECT_TRUE(other.try_hold(900));
    EXPECT_EQ(budget.used(), 1000u);
}

// One request of max_body_bytes with a full read buffer, as a large holding on an empty budget.
bool admits_one_request(std::size_t limit, std::size_t max_body, Metrics& metrics,
                        std::shared_ptr<spdlog::logger> const& logger) {
    BufferBudget budget(limit, metrics, logger);
    BufferCharge charge(budget);
    return charge.try_hold(max_body + Session::kReadBufferLimit);
}

TEST_F(BufferBudgetTest, SmallestLimitForIsTheSmallestThatAdmitsOneLargestRequest) {
    // Real sizes, and 0 to 11: every remainder of max_body + kReadBufferLimit modulo 3 and 4.
    std::vector<std::size_t> bodies{512 * 1024, 1024 * 1024, 10'000'019, 64 * 1024 * 1024};
    for (std::size_t body = 0; body < 12; ++body) {
        bodies.push_back(body);
    }
    for (std::size_t const body : bodies) {
        SCOPED_TRACE("max_body_bytes " + std::to_string(body));
        std::size_t const least = BufferBudget::smallest_limit_for(body);
        EXPECT_TRUE(admits_one_request(least, body, metrics_, logger_));
        EXPECT_FALSE(admits_one_request(least - 1, body, metrics_, logger_));
    }
}

TEST_F(BufferBudgetTest, LogsOneWarningForABurstOfRefusals) {
    BufferBudget budget(1000, metrics_, logger_);
    budget.take(800);
    for (int i = 0; i < 100; ++i) {
        EXPECT_FALSE(budget.try_take(300, 300));
    }
    EXPECT_EQ(metrics_.refused(Refusal::memory), 100u);
    auto const logged = lines();
    ASSERT_EQ(logged.size(), 1u);
    EXPECT_THAT(logged[0], StartsWith("warning: memory budget full"));
    EXPECT_THAT(logged[0], HasSubstr("hold 800 of server.max_buffered_bytes (1000 bytes)"));
}

TEST_F(BufferBudgetTest, LogsTheNumberRefusedOnceWhenTheUseFallsToHalf) {
    BufferBudget budget(1000, metrics_, logger_);
    budget.take(800);
    for (int i = 0; i < 100; ++i) {
        EXPECT_FALSE(budget.try_take(300, 300));
    }
    budget.give_back(200);  // 600: still over half
    EXPECT_EQ(count_lines("info"), 0u);
    budget.give_back(100);  // 500: exactly half
    ASSERT_EQ(count_lines("info"), 1u);
    EXPECT_THAT(lines().back(), StartsWith("info: memory budget has room again: 100 request(s) "
                                           "refused over "));
    EXPECT_THAT(lines().back(), HasSubstr("hold 500 of 1000 bytes"));
    budget.give_back(100);
    budget.give_back(400);
    EXPECT_EQ(budget.used(), 0u);
    EXPECT_EQ(count_lines("info"), 1u);
    EXPECT_EQ(count_lines("warning"), 1u);
    EXPECT_EQ(lines().size(), 2u);
}

TEST_F(BufferBudgetTest, ANewRefusalAfterTheBurstEndedStartsANewOne) {
    BufferBudget budget(1000, metrics_, logger_);
    budget.take(800);
    for (int i = 0; i < 100; ++i) {
        EXPECT_FALSE(budget.try_take(300, 300));
    }
    budget.give_back(300);
    ASSERT_EQ(count_lines("warning"), 1u);
    ASSERT_EQ(count_lines("info"), 1u);

    budget.take(400);  // 900
    EXPECT_FALSE(budget.try_take(200, 200));
    EXPECT_FALSE(budget.try_take(200, 200));
    EXPECT_EQ(count_lines("warning"), 2u);
    EXPECT_EQ(count_lines("info"), 1u);
    budget.give_back(400);  // 500
    ASSERT_EQ(count_lines("info"), 2u);
    EXPECT_THAT(lines().back(), HasSubstr("room again: 2 request(s) refused"));
    EXPECT_EQ(metrics_.refused(Refusal::memory), 102u);
}

TEST_F(BufferBudgetTest, LogsNothingWhileNothingIsRefused) {
    BufferBudget budget(1000, metrics_, logger_);
    BufferCharge charge(budget);
    ASSERT_TRUE(charge.try_hold(1000));
    charge.hold(0);
    charge.hold(5000);
    charge.hold(0);
    EXPECT_TRUE(lines().empty());
}

TEST_F(BufferBudgetTest, ManyThreadsNeverPassTheLimitAndGiveEverythingBack) {
    constexpr std::size_t kLimit = 16 * kSmall;
    constexpr int kThreads = 8;
    constexpr int kRounds = 20'000;
    BufferBudget budget(kLimit, metrics_, logger_);
    std::atomic<bool> done{false};
    std::atomic<std::size_t> sampled_max{0};
    std::thread sampler([&] {
        while (!done.load()) {
            std::size_t const used = budget.used();
            if (used > sampled_max.load()) {
                sampled_max.store(used);
            }
        }
    });
    std::atomic<std::uint64_t> refused{0};
    std::atomic<std::uint64_t> taken{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            BufferCharge charge(budget);
            for (int i = 0; i < kRounds; ++i) {
                // Sizes on both sides of kSmallHolding, up to a quarter of the budget each.
                std::size_t const size =
                    1 + static_cast<std::size_t>((i * 7919 + t * 104729) % (4 * kSmall));
                if (charge.try_hold(size)) {
                    taken.fetch_add(1);
                    // Held: the budget counts it, and never more than its limit.
                    EXPECT_LE(budget.used(), kLimit) << "after taking " << size;
                    EXPECT_EQ(charge.held(), size);
                } else {
                    refused.fetch_add(1);
                }
                if (i % 3 == 0) {
                    charge.hold(0);
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    done.store(true);
    sampler.join();
    EXPECT_EQ(budget.used(), 0u);
    EXPECT_LE(sampled_max.load(), kLimit);
    EXPECT_GT(taken.load(), 0u);
    EXPECT_EQ(metrics_.refused(Refusal::memory), refused.load());
}

}  // namespace
}  // namespace callsink
