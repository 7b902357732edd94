// HmacSha256Pool: RFC 4231's test vectors, and the same MACs from many threads at once (the
// contexts are reused by whichever thread comes next, so one that kept state would show here).
#include "callsink/base/hmac_sha256_pool.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace callsink {
namespace {

std::span<unsigned char const> bytes(std::string_view text) {
    return {reinterpret_cast<unsigned char const*>(text.data()), text.size()};
}

std::string hex(std::optional<HmacSha256Pool::Mac> const& mac) {
    if (!mac) {
        return "(failed)";
    }
    constexpr std::string_view kHex = "0123456789abcdef";
    std::string out;
    for (unsigned char byte : *mac) {
        out += kHex[byte >> 4];
        out += kHex[byte & 0x0F];
    }
    return out;
}

TEST(HmacSha256Pool, GivesRfc4231sMacs) {
    // RFC 4231, test cases 2 and 6 (a key longer than the block is hashed first).
    HmacSha256Pool jefe("Jefe");
    EXPECT_EQ(hex(jefe.mac(bytes("what do ya want for nothing?"))),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    HmacSha256Pool long_key(std::string(131, '\xaa'));
    EXPECT_EQ(hex(long_key.mac(bytes("Test Using Larger Than Block-Size Key - Hash Key First"))),
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256Pool, GivesTheSameMacWhenAContextIsReused) {
    HmacSha256Pool pool("test-key");
    std::string const first = hex(pool.mac(bytes("+6591178965")));
    EXPECT_NE(hex(pool.mac(bytes("+6568332048"))), first);
    EXPECT_EQ(hex(pool.mac(bytes("+6591178965"))), first);
    EXPECT_EQ(hex(pool.mac(bytes(""))).size(), 64U);
}

TEST(HmacSha256Pool, RefusesAnEmptyKey) {
    EXPECT_THROW(HmacSha256Pool(""), std::invalid_argument);
}

TEST(HmacSha256Pool, GivesTheSameMacsFromManyThreadsAtOnceAsFromOne) {
    std::vector<std::string> const messages{"+6591178965", "+6568332048", "+94771234567", "+12"};
    HmacSha256Pool pool("test-key");
    std::vector<std::string> expected;
    for (auto const& message : messages) {
        expected.push_back(hex(HmacSha256Pool("test-key").mac(bytes(message))));
    }
    std::vector<int> wrong(4, 0);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < wrong.size(); ++t) {
        threads.emplace_back([&, t] {
            for (std::size_t i = 0; i < 2000; ++i) {
                std::size_t const n = (i + t) % messages.size();
                wrong[t] += hex(pool.mac(bytes(messages[n]))) != expected[n] ? 1 : 0;
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_THAT(wrong, ::testing::Each(0));
}

}  // namespace
}  // namespace callsink
