#include "callsink/ingest/request_ids.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace callsink {
namespace {

TEST(RequestIds, CarryThePrefixAndACounter) {
    RequestIds ids(0x5f3a9c21);
    EXPECT_EQ(ids.next(), "5f3a9c21-000000000001");
    EXPECT_EQ(ids.next(), "5f3a9c21-000000000002");
}

TEST(RequestIds, AreUniqueAcrossThreads) {
    RequestIds ids(7);
    std::vector<std::vector<std::string>> seen(4);
    std::vector<std::thread> threads;
    for (auto& out : seen) {
        threads.emplace_back([&ids, &out] {
            for (int i = 0; i < 1000; ++i) {
                out.push_back(ids.next());
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    std::set<std::string> all;
    for (auto const& out : seen) {
        all.insert(out.begin(), out.end());
    }
    EXPECT_EQ(all.size(), 4000u);
}

}  // namespace
}  // namespace callsink
