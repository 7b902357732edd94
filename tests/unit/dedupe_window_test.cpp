#include "callsink/dedupe_window.hpp"

#include <gtest/gtest.h>

namespace callsink {
namespace {

TEST(DedupeWindow, RemembersWhatItWasGiven) {
    DedupeWindow window(3);
    EXPECT_FALSE(window.contains("a"));
    window.remember("a");
    EXPECT_TRUE(window.contains("a"));
}

TEST(DedupeWindow, ForgetsTheOldestWhenFull) {
    DedupeWindow window(2);
    window.remember("a");
    window.remember("b");
    window.remember("a");  // already there: does not count as newer
    window.remember("c");
    EXPECT_FALSE(window.contains("a"));
    EXPECT_TRUE(window.contains("b"));
    EXPECT_TRUE(window.contains("c"));
    EXPECT_EQ(window.size(), 2u);
}

TEST(DedupeWindow, ZeroCapacityRemembersNothing) {
    DedupeWindow window(0);
    EXPECT_FALSE(window.enabled());
    window.remember("a");
    EXPECT_FALSE(window.contains("a"));
}

TEST(DedupeWindow, IgnoresEmptyKeys) {
    DedupeWindow window(2);
    window.remember("");
    EXPECT_EQ(window.size(), 0u);
}

}  // namespace
}  // namespace callsink
