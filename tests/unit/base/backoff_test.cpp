#include "callsink/base/backoff.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace callsink {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, DoublesFromTheFirstWaitUpToTheCap) {
    Backoff backoff(100ms, 30s);
    EXPECT_EQ(backoff.current(), 0ms);
    std::vector<Backoff::duration> waits;
    for (int i = 0; i < 12; ++i) {
        waits.push_back(backoff.next());
    }
    EXPECT_EQ(waits, (std::vector<Backoff::duration>{100ms, 200ms, 400ms, 800ms, 1600ms, 3200ms,
                                                     6400ms, 12800ms, 25600ms, 30s, 30s, 30s}));
    EXPECT_EQ(backoff.current(), 30s);
}

TEST(Backoff, StartsOverAfterAReset) {
    Backoff backoff(100ms, 1s);
    backoff.next();
    backoff.next();
    backoff.reset();
    EXPECT_EQ(backoff.current(), 0ms);
    EXPECT_EQ(backoff.next(), 100ms);
}

}  // namespace
}  // namespace callsink
