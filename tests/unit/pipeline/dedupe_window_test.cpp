#include "callsink/pipeline/dedupe_window.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>

namespace callsink {
namespace {

TEST(DedupeWindow, RemembersWhatItWasGiven) {
    DedupeWindow window(3);
    EXPECT_FALSE(window.contains(make_redelivery_key("a")));
    window.remember(make_redelivery_key("a"));
    EXPECT_TRUE(window.contains(make_redelivery_key("a")));
}

TEST(DedupeWindow, ForgetsTheOldestWhenFull) {
    DedupeWindow window(2);
    window.remember(make_redelivery_key("a"));
    window.remember(make_redelivery_key("b"));
    window.remember(make_redelivery_key("a"));  // already there: does not count as newer
    window.remember(make_redelivery_key("c"));
    EXPECT_FALSE(window.contains(make_redelivery_key("a")));
    EXPECT_TRUE(window.contains(make_redelivery_key("b")));
    EXPECT_TRUE(window.contains(make_redelivery_key("c")));
    EXPECT_EQ(window.size(), 2u);
}

TEST(DedupeWindow, ZeroCapacityRemembersNothing) {
    DedupeWindow window(0);
    EXPECT_FALSE(window.enabled());
    window.remember(make_redelivery_key("a"));
    EXPECT_FALSE(window.contains(make_redelivery_key("a")));
}

TEST(DedupeWindow, IgnoresTheZeroKey) {
    DedupeWindow window(2);
    window.remember(RedeliveryKey{});
    EXPECT_EQ(window.size(), 0u);
}

// Against a plain model, with keys whose hashes crowd a few slots, so probe runs wrap around the
// index and deletions shift entries back across them.
TEST(DedupeWindow, AgreesWithAModelUnderCollisions) {
    for (std::size_t capacity : {1u, 7u, 600u, 3000u}) {
        DedupeWindow window(capacity);
        std::deque<RedeliveryKey> model;
        std::mt19937_64 random(capacity);
        for (int step = 0; step < 20'000; ++step) {
            // low picks the slot: 1023 and 1024..1030 collide at the end and start of the index.
            RedeliveryKey const key{random() % 64 + 1, 1018 + random() % 16};
            bool const known = std::find(model.begin(), model.end(), key) != model.end();
            ASSERT_EQ(window.contains(key), known) << "capacity " << capacity << " step " << step;
            window.remember(key);
            if (!known) {
                model.push_back(key);
                if (model.size() > capacity) {
                    model.pop_front();
                }
            }
            ASSERT_EQ(window.size(), model.size());
        }
        for (RedeliveryKey const& key : model) {
            EXPECT_TRUE(window.contains(key));
        }
    }
}

}  // namespace
}  // namespace callsink
