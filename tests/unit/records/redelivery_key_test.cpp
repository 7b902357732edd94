// make_redelivery_key: the same identity gives the same 128-bit key in every run and from any
// thread, different identities different keys; the zero key means "never deduplicated"; bucket
// hashes are keyed at random.
#include "callsink/records/redelivery_key.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

namespace callsink {
namespace {

// make_redelivery_key("") when the fixed keys were chosen; siphash24 itself is checked against
// the reference vectors in siphash_test.cpp.
constexpr char kEmptyIdentityKey[] = "353aabe2ba24ede6e2f1e382bc81a98f";

TEST(RedeliveryKey, IsTheSameForTheSameIdentity) {
    EXPECT_EQ(make_redelivery_key("CALL_STATUS 36:0f5e1d0c-62a4-4e88-a8d9-6b7c20a8f1c3"),
              make_redelivery_key("CALL_STATUS 36:0f5e1d0c-62a4-4e88-a8d9-6b7c20a8f1c3"));
}

TEST(RedeliveryKey, DiffersForIdentitiesThatDifferInOneByte) {
    EXPECT_NE(make_redelivery_key("CALL_STATUS 3:e-1"), make_redelivery_key("CALL_STATUS 3:e-2"));
    EXPECT_NE(make_redelivery_key("a"), make_redelivery_key("A"));
    EXPECT_NE(make_redelivery_key(""), make_redelivery_key(std::string(1, '\0')));
}

TEST(RedeliveryKey, GivesDistinctKeysInBothHalvesForManyIdentities) {
    std::set<std::pair<std::uint64_t, std::uint64_t>> keys;
    std::set<std::uint64_t> highs;
    std::set<std::uint64_t> lows;
    for (int i = 0; i < 10'000; ++i) {
        RedeliveryKey const key = make_redelivery_key("CALL_STATUS " + std::to_string(i));
        keys.insert({key.high, key.low});
        highs.insert(key.high);
        lows.insert(key.low);
    }
    EXPECT_EQ(keys.size(), 10'000u);
    EXPECT_EQ(highs.size(), 10'000u);
    EXPECT_EQ(lows.size(), 10'000u);
}

TEST(RedeliveryKey, UsesTwoDifferentlyKeyedHalves) {
    RedeliveryKey const key = make_redelivery_key("SESSION_SUMMARY 5:s-123");
    EXPECT_NE(key.high, key.low);
}

TEST(RedeliveryKey, IsNonZeroForAnIdentity) {
    EXPECT_TRUE(make_redelivery_key("CALL_STATUS 3:e-1"));
    EXPECT_TRUE(make_redelivery_key(""));
}

TEST(RedeliveryKey, ZeroMeansNeverDeduplicated) {
    EXPECT_FALSE(RedeliveryKey{});
    EXPECT_TRUE((RedeliveryKey{0, 1}));
    EXPECT_TRUE((RedeliveryKey{1, 0}));
}

TEST(RedeliveryKey, ComparesBothHalves) {
    EXPECT_EQ((RedeliveryKey{1, 2}), (RedeliveryKey{1, 2}));
    EXPECT_NE((RedeliveryKey{1, 2}), (RedeliveryKey{1, 3}));
    EXPECT_NE((RedeliveryKey{1, 2}), (RedeliveryKey{0, 2}));
}

TEST(RedeliveryKey, IsFixedAcrossRunsAndReplicas) {
    // Downstream deduplication (Kafka consumers, the PostgreSQL events table) relies on these
    // exact values: a change makes every redelivery of an older event look new.
    EXPECT_EQ(make_redelivery_key("CALL_STATUS 3:e-1").hex(),
              make_redelivery_key("CALL_STATUS 3:e-1").hex());
    EXPECT_EQ(make_redelivery_key("").hex(), kEmptyIdentityKey);
}

TEST(RedeliveryKey, PrintsAs32HexDigitsHighHalfFirst) {
    EXPECT_EQ((RedeliveryKey{0x0123456789abcdefULL, 0xfedcba9876543210ULL}).hex(),
              "0123456789abcdeffedcba9876543210");
    EXPECT_EQ((RedeliveryKey{0, 1}).hex(), "00000000000000000000000000000001");
    EXPECT_EQ(RedeliveryKey{}.hex(), "");
}

TEST(RedeliveryKey, BucketHashesDependOnARandomKeyPerHashObject) {
    RedeliveryKey::Hash const first;
    RedeliveryKey::Hash const second;
    RedeliveryKey const key = make_redelivery_key("a");
    EXPECT_EQ(first(key), first(key));
    EXPECT_NE(first(key), second(key));  // 2^-64 to fail by chance
    EXPECT_NE(first(key), key.low);
}

TEST(RedeliveryKey, WorksAsAnUnorderedSetKey) {
    std::unordered_set<RedeliveryKey, RedeliveryKey::Hash> set;
    set.insert(make_redelivery_key("a"));
    set.insert(make_redelivery_key("a"));
    set.insert(make_redelivery_key("b"));
    EXPECT_EQ(set.size(), 2u);
}

TEST(RedeliveryKey, IsTheSameFromEveryThread) {
    RedeliveryKey const expected = make_redelivery_key("CALL_STATUS 3:e-9");
    std::vector<RedeliveryKey> seen(4);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < seen.size(); ++i) {
        threads.emplace_back([&seen, i] { seen[i] = make_redelivery_key("CALL_STATUS 3:e-9"); });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    for (RedeliveryKey const& key : seen) {
        EXPECT_EQ(key, expected);
    }
}

}  // namespace
}  // namespace callsink
