// json_scan against a byte-at-a-time reading of its promise: the first byte of the set, or the
// end, for every byte value, at every position of a 16-byte block and in the tail after the last
// whole block, and never a byte past the end.
#include "callsink/base/json_scan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace callsink {
namespace {

using Scan = char const* (*)(char const*, char const*);

struct Case {
    char const* name;
    Scan scan;
    std::function<bool(unsigned char)> in_set;
};

std::vector<Case> const& cases() {
    static std::vector<Case> const all{
        {"string_end", json_scan::string_end,
         [](unsigned char c) { return c == '"' || c == '\\'; }},
        {"string_special", json_scan::string_special,
         [](unsigned char c) { return c == '"' || c == '\\' || c < 0x20 || c >= 0x80; }},
        {"container_special", json_scan::container_special,
         [](unsigned char c) { return c == '"' || c == '{' || c == '[' || c == '}' || c == ']'; }},
        {"structural", json_scan::structural,
         [](unsigned char c) {
             return c == '"' || c == '{' || c == '[' || c == '}' || c == ']' || c == ':';
         }},
    };
    return all;
}

// The first byte of the set in `text` by the obvious loop: what every scan must agree with.
std::size_t expected(Case const& c, std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (c.in_set(static_cast<unsigned char>(text[i]))) {
            return i;
        }
    }
    return text.size();
}

std::size_t found(Case const& c, std::string_view text) {
    return static_cast<std::size_t>(c.scan(text.data(), text.data() + text.size()) - text.data());
}

TEST(JsonScan, FindsEveryByteValueAtEveryPositionOfABlockAndTheTail) {
    for (Case const& c : cases()) {
        for (std::size_t length : {1U, 7U, 15U, 16U, 17U, 31U, 32U, 40U}) {
            for (std::size_t at = 0; at < length; ++at) {
                for (int value = 0; value < 256; ++value) {
                    std::string text(length, 'a');
                    text[at] = static_cast<char>(value);
                    bool const hit = c.in_set(static_cast<unsigned char>(value));
                    ASSERT_EQ(found(c, text), hit ? at : length)
                        << c.name << " length " << length << " byte " << value << " at " << at;
                }
            }
        }
    }
}

TEST(JsonScan, ReturnsTheEndForTextWithoutAByteOfTheSetAndForNoText) {
    std::string const plain = "0123456789abcdefABCDEF, -_.+@/0123456789abcdefABCDEF";
    for (Case const& c : cases()) {
        EXPECT_EQ(found(c, plain), plain.size()) << c.name;
        EXPECT_EQ(found(c, std::string_view()), 0U) << c.name;
    }
}

// A byte of the set just past the end must not be found: the scan reads only [p, end).
TEST(JsonScan, NeverLooksPastTheEnd) {
    for (Case const& c : cases()) {
        for (std::size_t length = 0; length < 40; ++length) {
            auto buffer = std::make_unique<char[]>(length + 16);
            std::fill_n(buffer.get(), length, 'a');
            std::fill_n(buffer.get() + length, 16, '"');
            char const* const end = buffer.get() + length;
            EXPECT_EQ(c.scan(buffer.get(), end), end) << c.name << " length " << length;
        }
    }
}

TEST(JsonScan, AgreesWithTheByteLoopOnRandomText) {
    std::mt19937 random(20261201);
    // Mostly plain text with the odd byte of each set, as JSON is.
    std::string const alphabet =
        "aaaaaaaaaaaaaaaaaaaaaaaaa0123456789 :,\"\\{}[]\n\t\x01\x7f\x80\xc3\xa9\xff";
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    std::uniform_int_distribution<std::size_t> length(0, 100);
    for (int round = 0; round < 20000; ++round) {
        std::string text(length(random), ' ');
        for (char& byte : text) {
            byte = alphabet[pick(random)];
        }
        for (Case const& c : cases()) {
            ASSERT_EQ(found(c, text), expected(c, text)) << c.name << " in \"" << text << '"';
        }
    }
}

}  // namespace
}  // namespace callsink
