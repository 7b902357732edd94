// jsonb_safe_copy: the escapes jsonb refuses (\u0000, a surrogate without its pair) are replaced
// by \ufffd, the same length, and nothing else changes; a record jsonb takes needs no copy.
#include "callsink/sinks/postgres/jsonb_copy.hpp"

#include <gtest/gtest.h>

namespace callsink {
namespace {

TEST(JsonbSafeCopy, NeedsNoCopyForARecordJsonbTakes) {
    EXPECT_EQ(jsonb_safe_copy(R"({"a":"plain","b":[1,2.5,true,null]})"), std::nullopt);
    EXPECT_EQ(jsonb_safe_copy(R"({"a":"caf\u00e9 \n \" \\ \/"})"), std::nullopt);
    EXPECT_EQ(jsonb_safe_copy(R"({"emoji":"\ud83d\ude00"})"), std::nullopt);
}

TEST(JsonbSafeCopy, ReplacesEachNulEscapeByTheStandIn) {
    EXPECT_EQ(jsonb_safe_copy(R"({"d":"before\u0000after","e":"\u0000"})"),
              R"({"d":"before\ufffdafter","e":"\ufffd"})");
}

TEST(JsonbSafeCopy, ReplacesANulEscapeInAMemberName) {
    EXPECT_EQ(jsonb_safe_copy(R"({"a\u0000b":1})"), R"({"a\ufffdb":1})");
}

TEST(JsonbSafeCopy, ReplacesSurrogatesWithoutTheirPair) {
    EXPECT_EQ(jsonb_safe_copy(R"(["\ud800","\udc00x","\ud800\u0041","\ud800\ud800\udc00"])"),
              R"(["\ufffd","\ufffdx","\ufffd\u0041","\ufffd\ud800\udc00"])");
}

TEST(JsonbSafeCopy, ReadsHexDigitsInEitherCase) {
    EXPECT_EQ(jsonb_safe_copy(R"(["\uD83D\uDE00","\uDBFF"])"), R"(["\uD83D\uDE00","\ufffd"])");
}

TEST(JsonbSafeCopy, DoesNotTakeAnEscapedBackslashForAnEscape) {
    // \\u0000 is a backslash, then the text u0000.
    EXPECT_EQ(jsonb_safe_copy(R"({"a":"\\u0000"})"), std::nullopt);
    EXPECT_EQ(jsonb_safe_copy(R"({"a":"\\\u0000"})"), R"({"a":"\\\ufffd"})");
}

TEST(JsonbSafeCopy, KeepsTheTrailingNewlineAndLength) {
    std::string const line = "{\"a\":\"\\u0000\"}\n";
    auto const copy = jsonb_safe_copy(line);
    ASSERT_TRUE(copy);
    EXPECT_EQ(copy->size(), line.size());
    EXPECT_EQ(*copy, "{\"a\":\"\\ufffd\"}\n");
}

}  // namespace
}  // namespace callsink
