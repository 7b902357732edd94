// utf8::is_valid against RFC 3629's table (overlong forms, surrogates and code points above
// U+10FFFF refused), and utf8::excerpt's promise: at most max_bytes, then an ellipsis, always
// valid UTF-8.
#include "callsink/base/utf8.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace callsink {
namespace {

using namespace std::string_view_literals;

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026

TEST(Utf8IsValid, AcceptsAsciiAndTheEmptyString) {
    EXPECT_TRUE(utf8::is_valid(""));
    EXPECT_TRUE(utf8::is_valid("CALL_STATUS +6512345678"));
}

TEST(Utf8IsValid, AcceptsANulByte) {
    EXPECT_TRUE(utf8::is_valid("a\0b"sv));
}

TEST(Utf8IsValid, AcceptsSequencesOfEveryLength) {
    EXPECT_TRUE(utf8::is_valid("\xC3\xA9"));          // é, U+00E9
    EXPECT_TRUE(utf8::is_valid("\xE2\x82\xAC"));      // €, U+20AC
    EXPECT_TRUE(utf8::is_valid("\xF0\x9F\x93\x9E"));  // 📞, U+1F4DE
    EXPECT_TRUE(utf8::is_valid("caf\xC3\xA9 \xE2\x82\xAC\xF0\x9F\x93\x9E!"));
}

TEST(Utf8IsValid, AcceptsTheBoundaryCodePoints) {
    EXPECT_TRUE(utf8::is_valid("\x7F"));              // U+007F
    EXPECT_TRUE(utf8::is_valid("\xC2\x80"));          // U+0080
    EXPECT_TRUE(utf8::is_valid("\xDF\xBF"));          // U+07FF
    EXPECT_TRUE(utf8::is_valid("\xE0\xA0\x80"));      // U+0800
    EXPECT_TRUE(utf8::is_valid("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
    EXPECT_TRUE(utf8::is_valid("\xEE\x80\x80"));      // U+E000, just above them
    EXPECT_TRUE(utf8::is_valid("\xEF\xBF\xBF"));      // U+FFFF
    EXPECT_TRUE(utf8::is_valid("\xF0\x90\x80\x80"));  // U+10000
    EXPECT_TRUE(utf8::is_valid("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(Utf8IsValid, RefusesOverlongForms) {
    EXPECT_FALSE(utf8::is_valid("\xC0\xAF"));          // '/' in two bytes
    EXPECT_FALSE(utf8::is_valid("\xC1\xBF"));          // U+007F in two bytes
    EXPECT_FALSE(utf8::is_valid("\xE0\x80\xAF"));      // '/' in three bytes
    EXPECT_FALSE(utf8::is_valid("\xE0\x9F\xBF"));      // U+07FF in three bytes
    EXPECT_FALSE(utf8::is_valid("\xF0\x80\x80\xAF"));  // '/' in four bytes
    EXPECT_FALSE(utf8::is_valid("\xF0\x8F\xBF\xBF"));  // U+FFFF in four bytes
}

TEST(Utf8IsValid, RefusesSurrogates) {
    EXPECT_FALSE(utf8::is_valid("\xED\xA0\x80"));              // U+D800
    EXPECT_FALSE(utf8::is_valid("\xED\xBF\xBF"));              // U+DFFF
    EXPECT_FALSE(utf8::is_valid("\xED\xA0\xBD\xED\xB3\x9E"));  // a CESU-8 pair
}

TEST(Utf8IsValid, RefusesCodePointsAboveU10FFFF) {
    EXPECT_FALSE(utf8::is_valid("\xF4\x90\x80\x80"));  // U+110000
    EXPECT_FALSE(utf8::is_valid("\xF5\x80\x80\x80"));
    EXPECT_FALSE(utf8::is_valid("\xF8\x88\x80\x80\x80"));  // the old five-byte form
    EXPECT_FALSE(utf8::is_valid("\xFF"));
    EXPECT_FALSE(utf8::is_valid("\xFE"));
}

TEST(Utf8IsValid, RefusesALoneContinuationByte) {
    EXPECT_FALSE(utf8::is_valid("\x80"));
    EXPECT_FALSE(
        utf8::is_valid("a\xBF"
                       "b"));
}

TEST(Utf8IsValid, RefusesASequenceCutShort) {
    EXPECT_FALSE(utf8::is_valid("\xC3"));
    EXPECT_FALSE(utf8::is_valid("\xE2\x82"));
    EXPECT_FALSE(utf8::is_valid("\xF0\x9F\x93"));
    EXPECT_FALSE(utf8::is_valid("caf\xC3"));
}

TEST(Utf8IsValid, RefusesASequenceInterruptedByAnotherCharacter) {
    EXPECT_FALSE(
        utf8::is_valid("\xE2"
                       "A\xAC"));
    EXPECT_FALSE(
        utf8::is_valid("\xF0\x9F"
                       "A\x9E"));
    EXPECT_FALSE(utf8::is_valid("\xC3\xC3\xA9"));
}

TEST(Utf8Excerpt, KeepsTextThatFits) {
    EXPECT_EQ(utf8::excerpt("hello", 5), "hello");
    EXPECT_EQ(utf8::excerpt("hello", 100), "hello");
    EXPECT_EQ(utf8::excerpt("", 0), "");
}

TEST(Utf8Excerpt, CutsAtMaxBytesAndAddsAnEllipsis) {
    EXPECT_EQ(utf8::excerpt("hello world", 5), "hello" + std::string(kEllipsis));
    EXPECT_EQ(utf8::excerpt("hello", 0), std::string(kEllipsis));
}

TEST(Utf8Excerpt, NeverCutsInsideACharacter) {
    std::string const text =
        "ab\xE2\x82\xAC"
        "cd";  // "ab€cd"
    EXPECT_EQ(utf8::excerpt(text, 4), "ab" + std::string(kEllipsis));
    EXPECT_EQ(utf8::excerpt(text, 5), "ab\xE2\x82\xAC" + std::string(kEllipsis));
    EXPECT_TRUE(utf8::is_valid(utf8::excerpt(text, 3)));
}

TEST(Utf8Excerpt, ReplacesEachInvalidByteWithUFFFD) {
    EXPECT_EQ(utf8::excerpt("a\xFF"
                            "b",
                            100),
              "a" + std::string(kReplacement) + "b");
    EXPECT_EQ(utf8::excerpt("\xED\xA0\x80", 100),
              std::string(kReplacement) + std::string(kReplacement) + std::string(kReplacement));
}

TEST(Utf8Excerpt, ReplacesATruncatedSequenceAtTheEnd) {
    EXPECT_EQ(utf8::excerpt("ok\xE2\x82", 100),
              "ok" + std::string(kReplacement) + std::string(kReplacement));
}

TEST(Utf8Excerpt, CountsTheReplacementsBytesAgainstTheLimit) {
    // The invalid byte is one byte of input but three of output: it does not fit in 3 with "a".
    EXPECT_EQ(utf8::excerpt("a\xFF"
                            "b",
                            3),
              "a" + std::string(kEllipsis));
    EXPECT_EQ(utf8::excerpt("a\xFF", 4), "a" + std::string(kReplacement));
}

TEST(Utf8Excerpt, AlwaysReturnsValidUtf8) {
    std::string garbage;
    for (int byte = 0; byte < 256; ++byte) {
        garbage.push_back(static_cast<char>(byte));
    }
    for (std::size_t max_bytes : {0u, 1u, 2u, 3u, 17u, 200u, 1000u}) {
        std::string const out = utf8::excerpt(garbage, max_bytes);
        EXPECT_TRUE(utf8::is_valid(out)) << max_bytes;
        EXPECT_LE(out.size(), max_bytes + kEllipsis.size()) << max_bytes;
    }
}

}  // namespace
}  // namespace callsink
