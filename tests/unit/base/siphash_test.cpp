#include "callsink/base/siphash.hpp"

#include <gtest/gtest.h>

#include <string>

namespace callsink {
namespace {

// The reference key 00 01 … 0f and messages 00 01 … (n-1), from the SipHash paper and the
// reference implementation's test vectors.
constexpr SipKey kReferenceKey{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};

std::string counting_bytes(std::size_t n) {
    std::string bytes;
    for (std::size_t i = 0; i < n; ++i) {
        bytes.push_back(static_cast<char>(i));
    }
    return bytes;
}

TEST(SipHash24, MatchesTheReferenceVectors) {
    EXPECT_EQ(siphash24(kReferenceKey, ""), 0x726fdb47dd0e0e31ULL);
    EXPECT_EQ(siphash24(kReferenceKey, counting_bytes(15)), 0xa129ca6149be45e5ULL);  // the paper's
}

TEST(SipHash24, DependsOnEveryByteAndTheKey) {
    std::string const id = "e2078079-eae8-11f0-ae64-a500004e488e";
    std::string other = id;
    other.back() = 'f';
    EXPECT_NE(siphash24(kReferenceKey, id), siphash24(kReferenceKey, other));
    EXPECT_NE(siphash24(kReferenceKey, id), siphash24({1, 2}, id));
    EXPECT_EQ(siphash24(kReferenceKey, id), siphash24(kReferenceKey, id));
}

}  // namespace
}  // namespace callsink
