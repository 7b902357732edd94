// JsonLexer token by token: what each read accepts and refuses, where it leaves the cursor, and
// that no read looks past the end of its text (every text here is cut from a longer buffer whose
// next byte would complete the token).
#include "callsink/base/json_lexer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace callsink {
namespace {

// `text` as the first part of a buffer that continues with `after`: a read that looks past the
// end of `text` finds `after` there.
struct CutText {
    explicit CutText(std::string_view text, std::string_view after = "\"}]0 ")
        : buffer(std::string(text) + std::string(after)), view(buffer.data(), text.size()) {}
    std::string buffer;
    std::string_view view;
};

std::string read_string(std::string_view text, bool& ok) {
    CutText cut(text);
    JsonLexer in(cut.view);
    std::string_view content;
    ok = in.string(content) && in.done();
    return std::string(content);
}

TEST(JsonLexerString, GivesTheTextBetweenTheQuotesAsWritten) {
    bool ok = false;
    EXPECT_EQ(read_string(R"("")", ok), "");
    EXPECT_TRUE(ok);
    EXPECT_EQ(read_string(R"("plain text")", ok), "plain text");
    EXPECT_TRUE(ok);
    EXPECT_EQ(read_string(R"("a \"q\" \\ \b\f\n\r\t z")", ok), R"(a \"q\" \\ \b\f\n\r\t z)");
    EXPECT_TRUE(ok);
    EXPECT_EQ(read_string("\"caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80\"", ok),
              "caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80");
    EXPECT_TRUE(ok);
}

TEST(JsonLexerString, RefusesEscapesAWriterWouldWriteBackDecoded) {
    bool ok = true;
    read_string(R"("caf\u00e9")", ok);
    EXPECT_FALSE(ok);
    read_string(R"("a\/b")", ok);
    EXPECT_FALSE(ok);
}

TEST(JsonLexerString, RefusesWhatIsNotAJsonString) {
    for (std::string_view text : {
             "x",
             "\"",
             "\"open",
             "\"ends in a backslash\\",
             "\"\\x\"",
             "\"a\x01\"",
             "\"tab\tinside\"",
             "\"\xC3\"",          // a cut sequence
             "\"\xED\xA0\x80\"",  // a surrogate
             "\"\xC0\xAF\"",      // an overlong form
             "\"\xFF\"",
         }) {
        bool ok = true;
        read_string(text, ok);
        EXPECT_FALSE(ok) << text;
    }
}

TEST(JsonLexerString, StopsJustPastTheClosingQuote) {
    JsonLexer in(R"("a\"b", 1)");
    std::string_view content;
    ASSERT_TRUE(in.string(content));
    EXPECT_EQ(in.offset(), 6U);
    EXPECT_EQ(in.peek(), ',');
}

struct NumberCase {
    std::string_view text;
    std::size_t integer_digits;
    bool is_float;
};

TEST(JsonLexerNumber, ReadsEveryFormOfRfc8259) {
    for (NumberCase const& each : std::vector<NumberCase>{
             {"0", 1, false},
             {"-0", 1, false},
             {"7", 1, false},
             {"-123", 3, false},
             {"123456789012345678901", 21, false},
             {"0.5", 1, true},
             {"-10.25", 2, true},
             {"1e5", 1, true},
             {"1E+5", 1, true},
             {"-2.5e-3", 1, true},
         }) {
        CutText cut(each.text, "5");
        JsonLexer in(cut.view);
        JsonNumber number;
        ASSERT_TRUE(in.number(number)) << each.text;
        EXPECT_TRUE(in.done()) << each.text;
        EXPECT_EQ(number.text, each.text);
        EXPECT_EQ(number.integer_digits, each.integer_digits) << each.text;
        EXPECT_EQ(number.is_float, each.is_float) << each.text;
    }
}

TEST(JsonLexerNumber, RefusesWhatFromCharsWouldTake) {
    for (std::string_view text :
         {"", "-", "+1", ".5", "1.", "1.e5", "1e", "1e+", "inf", "nan", "-inf", "0x10", "--1"}) {
        CutText cut(text, "5");
        JsonLexer in(cut.view);
        JsonNumber number;
        EXPECT_FALSE(in.number(number) && in.done()) << text;
    }
}

TEST(JsonLexerNumber, EndsAtALeadingZero) {
    JsonLexer in("01");
    JsonNumber number;
    ASSERT_TRUE(in.number(number));
    EXPECT_EQ(number.text, "0");
    EXPECT_EQ(in.peek(), '1');
}

TEST(JsonLexerLiteral, EatsTheWholeWordOrNothing) {
    CutText cut("tru", "e");
    JsonLexer short_word(cut.view);
    EXPECT_FALSE(short_word.eat("true"));
    EXPECT_EQ(short_word.offset(), 0U);
    JsonLexer in("null,");
    EXPECT_TRUE(in.eat("null"));
    EXPECT_EQ(in.peek(), ',');
}

TEST(JsonLexerSpace, SkipsTheFourJsonSpacesOnly) {
    JsonLexer in(" \t\r\n\v1");
    in.skip_space();
    EXPECT_EQ(in.peek(), '\v');
}

// The keys an object() walk gives, with each value skipped.
std::vector<std::string> keys_of(std::string_view text, bool& ok) {
    std::vector<std::string> keys;
    CutText cut(text);
    JsonLexer in(cut.view);
    ok = in.object([&](std::string_view key) {
        keys.emplace_back(key);
        std::string_view value;
        return in.skip_value(value);
    }) && in.done();
    return keys;
}

TEST(JsonLexerObject, GivesEachKeyWithTheCursorOnItsValue) {
    bool ok = false;
    EXPECT_EQ(keys_of("{}", ok), std::vector<std::string>{});
    EXPECT_TRUE(ok);
    EXPECT_EQ(keys_of("{ \n}", ok), std::vector<std::string>{});
    EXPECT_TRUE(ok);
    EXPECT_EQ(keys_of(R"({"a":1,"b" : {"c":[2]} ,	"a\"":"x"})", ok),
              (std::vector<std::string>{"a", "b", "a\\\""}));
    EXPECT_TRUE(ok);
}

TEST(JsonLexerObject, RefusesBrokenPunctuation) {
    for (std::string_view text : {R"({"a":1,})", R"({"a" 1})", R"({"a":1 "b":2})", R"({a:1})",
                                  R"({"a":1)", R"({,})", R"(["a"])", R"({"a":1]})"}) {
        bool ok = true;
        keys_of(text, ok);
        EXPECT_FALSE(ok) << text;
    }
}

TEST(JsonLexerObject, StopsWhenTheMemberReaderRefuses) {
    JsonLexer in(R"({"a":1,"b":2})");
    int calls = 0;
    EXPECT_FALSE(in.object([&](std::string_view) {
        ++calls;
        return false;
    }));
    EXPECT_EQ(calls, 1);
}

TEST(JsonLexerArray, GivesEachElementInTurn) {
    std::vector<std::string_view> elements;
    JsonLexer in(R"([ 1 ,"two",[3], {"four":4}])");
    EXPECT_TRUE(in.array([&] {
        std::string_view value;
        bool const ok = in.skip_value(value);
        elements.push_back(value);
        return ok;
    }));
    EXPECT_TRUE(in.done());
    EXPECT_EQ(elements, (std::vector<std::string_view>{"1", "\"two\"", "[3]", R"({"four":4})"}));
}

TEST(JsonLexerArray, RefusesBrokenPunctuation) {
    for (std::string_view text : {"[1,]", "[1 2]", "[,1]", "[1", "{1}"}) {
        CutText cut(text);
        JsonLexer in(cut.view);
        EXPECT_FALSE(in.array([&] {
            std::string_view value;
            return in.skip_value(value);
        }) && in.done())
            << text;
    }
}

TEST(JsonLexerSkipString, StepsOverEveryEscapeUnchecked) {
    JsonLexer in(R"("a\"b\\\x\u12" rest)");
    EXPECT_TRUE(in.skip_string());
    EXPECT_EQ(in.peek(), ' ');
}

TEST(JsonLexerSkipString, EndsAtTheEndOfATextThatNeverClosesIt) {
    for (std::string_view text : {"\"open", "\"open\\", "\"open\\\""}) {
        CutText cut(text);
        JsonLexer in(cut.view);
        EXPECT_FALSE(in.skip_string()) << text;
        EXPECT_TRUE(in.done()) << text;
    }
}

std::string skipped(std::string_view text, bool& ok) {
    CutText cut(text);
    JsonLexer in(cut.view);
    std::string_view value;
    ok = in.skip_value(value);
    return std::string(value);
}

TEST(JsonLexerSkipValue, FindsWhereEachKindOfValueEnds) {
    bool ok = false;
    EXPECT_EQ(skipped(R"("s\"}" ,)", ok), R"("s\"}")");
    EXPECT_TRUE(ok);
    EXPECT_EQ(skipped(R"({"a":["]",{"b":"}"}]},1)", ok), R"({"a":["]",{"b":"}"}]})");
    EXPECT_TRUE(ok);
    EXPECT_EQ(skipped("-1.5e3}", ok), "-1.5e3");
    EXPECT_TRUE(ok);
    EXPECT_EQ(skipped("true\n", ok), "true");
    EXPECT_TRUE(ok);
    // Only the extent is found: what is inside is the caller's to check.
    EXPECT_EQ(skipped("nonsense]", ok), "nonsense");
    EXPECT_TRUE(ok);
    EXPECT_EQ(skipped("[1 2 ,,]", ok), "[1 2 ,,]");
    EXPECT_TRUE(ok);
}

TEST(JsonLexerSkipValue, RefusesAnUnclosedValueOrNone) {
    for (std::string_view text : {"", ",", "}", "[[]", R"({"a":"}")", "\"open"}) {
        bool ok = true;
        skipped(text, ok);
        EXPECT_FALSE(ok) << text;
    }
}

TEST(JsonLexerToStructural, VisitsQuotesBracketsAndColonsInOrder) {
    std::string const text = R"(  {"k" : [1, {"a":2}], "s":"x:{"} tail)";
    JsonLexer in(text);
    std::string seen;
    std::vector<std::size_t> offsets;
    while (in.to_structural()) {
        char const c = in.peek();
        seen += c;
        offsets.push_back(in.offset());
        if (c == '"') {
            in.skip_string();
        } else {
            in.eat(c);
        }
    }
    EXPECT_EQ(seen, R"({":[{":}]":"})");
    EXPECT_EQ(offsets.front(), 2U);
    EXPECT_EQ(offsets.back(), text.find('}', text.find("x:{") + 4));
    EXPECT_TRUE(in.done());
}

}  // namespace
}  // namespace callsink
