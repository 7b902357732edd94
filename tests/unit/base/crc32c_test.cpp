#include "callsink/base/crc32c.hpp"

#include <gtest/gtest.h>

#include <string>

namespace callsink {
namespace {

// The check values of RFC 3720's appendix B.4 (iSCSI), which defines CRC-32C.
TEST(Crc32c, MatchesTheStandardCheckValues) {
    EXPECT_EQ(crc32c(""), 0x00000000u);
    EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
    EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
    EXPECT_EQ(crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
    std::string ascending;
    for (int i = 0; i < 32; ++i) {
        ascending += static_cast<char>(i);
    }
    EXPECT_EQ(crc32c(ascending), 0x46DD794Eu);
}

TEST(Crc32c, ContinuesFromThePreviousValueAsIfTheBytesWereOne) {
    std::string const text = "a journal record framed with its checksum, of any length at all";
    for (std::size_t split = 0; split <= text.size(); ++split) {
        std::string_view const all(text);
        EXPECT_EQ(crc32c(all.substr(split), crc32c(all.substr(0, split))), crc32c(all))
            << "split at " << split;
    }
}

TEST(Crc32c, ChangesWhenAnyOneByteChanges) {
    std::string text(100, 'x');
    std::uint32_t const whole = crc32c(text);
    for (std::size_t i = 0; i < text.size(); ++i) {
        std::string flipped = text;
        flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
        EXPECT_NE(crc32c(flipped), whole) << "byte " << i;
    }
}

}  // namespace
}  // namespace callsink
