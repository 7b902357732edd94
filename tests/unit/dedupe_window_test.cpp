#include "callsink/dedupe_window.hpp"

#include <gtest/gtest.h>

namespace callsink {
namespace {

TEST(DedupeWindow, RemembersWhatItWasGiven) {
    DedupeWindow window(3);
    EXPECT_FALSE(window.contains(make_dedupe_key("a")));
    window.remember(make_dedupe_key("a"));
    EXPECT_TRUE(window.contains(make_dedupe_key("a")));
}

TEST(DedupeWindow, ForgetsTheOldestWhenFull) {
    DedupeWindow window(2);
    window.remember(make_dedupe_key("a"));
    window.remember(make_dedupe_key("b"));
    window.remember(make_dedupe_key("a"));  // already there: does not count as newer
    window.remember(make_dedupe_key("c"));
    EXPECT_FALSE(window.contains(make_dedupe_key("a")));
    EXPECT_TRUE(window.contains(make_dedupe_key("b")));
    EXPECT_TRUE(window.contains(make_dedupe_key("c")));
    EXPECT_EQ(window.size(), 2u);
}

TEST(DedupeWindow, ZeroCapacityRemembersNothing) {
    DedupeWindow window(0);
    EXPECT_FALSE(window.enabled());
    window.remember(make_dedupe_key("a"));
    EXPECT_FALSE(window.contains(make_dedupe_key("a")));
}

TEST(DedupeWindow, IgnoresTheZeroKey) {
    DedupeWindow window(2);
    window.remember(DedupeKey{});
    EXPECT_EQ(window.size(), 0u);
}

}  // namespace
}  // namespace callsink
