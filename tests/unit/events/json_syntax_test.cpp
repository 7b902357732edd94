// The checks around nlohmann's parser: check_nesting's guard on depth and member count (brackets
// and colons inside strings do not count), and describe_invalid_json's account of where and why a
// body is not JSON.
#include "callsink/events/json_syntax.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "callsink/base/utf8.hpp"
#include "callsink/events/json_limits.hpp"

namespace callsink {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string nested_arrays(std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
}

std::string object_with_members(std::size_t count) {
    std::string body = "{";
    for (std::size_t i = 0; i < count; ++i) {
        body += (i == 0 ? "\"k" : ",\"k") + std::to_string(i) + "\":1";
    }
    return body + "}";
}

TEST(CheckNesting, AcceptsAnOrdinaryDelivery) {
    EXPECT_EQ(json_syntax::check_nesting(
                  R"({"eventType":"CALL_STATUS","payload":{"details":{"callA":{"q":[1,2]}}}})"),
              std::nullopt);
    EXPECT_EQ(json_syntax::check_nesting(""), std::nullopt);
}

TEST(CheckNesting, AcceptsExactlyTheMaximumDepth) {
    EXPECT_EQ(json_syntax::check_nesting(nested_arrays(json_limits::kMaxDepth)), std::nullopt);
}

TEST(CheckNesting, RefusesOneLevelBeyondTheMaximumAndSaysWhere) {
    auto const rejection = json_syntax::check_nesting(nested_arrays(json_limits::kMaxDepth + 1));
    ASSERT_TRUE(rejection.has_value());
    EXPECT_EQ(rejection->code, RejectCode::invalid_json);
    EXPECT_EQ(rejection->field, "");
    EXPECT_EQ(rejection->message,
              "body nests arrays and objects deeper than 64 levels (at byte 65)");
}

TEST(CheckNesting, CountsObjectsAndArraysAlike) {
    std::string body;
    for (std::size_t i = 0; i <= json_limits::kMaxDepth; ++i) {
        body += i % 2 == 0 ? "{\"a\":" : "[";
    }
    auto const rejection = json_syntax::check_nesting(body);
    ASSERT_TRUE(rejection.has_value());
    EXPECT_THAT(rejection->message, HasSubstr("deeper than 64 levels"));
}

TEST(CheckNesting, MeasuresDepthNotTheTotalOfBrackets) {
    std::string body = "[";
    for (std::size_t i = 0; i < 3 * json_limits::kMaxDepth; ++i) {
        body += i == 0 ? "[]" : ",[]";
    }
    body += "]";
    EXPECT_EQ(json_syntax::check_nesting(body), std::nullopt);
}

TEST(CheckNesting, IgnoresBracketsInsideStrings) {
    std::string const brackets(3 * json_limits::kMaxDepth, '[');
    EXPECT_EQ(json_syntax::check_nesting("{\"note\":\"" + brackets + "\"}"), std::nullopt);
}

TEST(CheckNesting, KeepsTrackOfEscapedQuotesInsideStrings) {
    // The escaped quote does not end the string, so the brackets after it are still text...
    std::string const inside = "{\"a\":\"\\\"" + std::string(100, '[') + "\"}";
    EXPECT_EQ(json_syntax::check_nesting(inside), std::nullopt);
    // ...and an escaped backslash does end it, so these brackets count.
    std::string const outside = "[\"\\\\\"" + std::string(100, '[');
    EXPECT_NE(json_syntax::check_nesting(outside), std::nullopt);
}

TEST(CheckNesting, AcceptsTheMaximumMembersInAnObject) {
    EXPECT_EQ(json_syntax::check_nesting(object_with_members(json_limits::kMaxObjectMembers)),
              std::nullopt);
}

TEST(CheckNesting, RefusesAnObjectWithMoreMembers) {
    auto const rejection =
        json_syntax::check_nesting(object_with_members(json_limits::kMaxObjectMembers + 1));
    ASSERT_TRUE(rejection.has_value());
    EXPECT_EQ(rejection->code, RejectCode::invalid_json);
    EXPECT_THAT(rejection->message, StartsWith("an object has more than 256 members (at byte "));
}

TEST(CheckNesting, CountsEachObjectsMembersApart) {
    // Two objects of the maximum side by side, and one nested in the other: neither is too wide.
    std::string const full = object_with_members(json_limits::kMaxObjectMembers);
    EXPECT_EQ(json_syntax::check_nesting("[" + full + "," + full + "]"), std::nullopt);
    std::string nested = full;
    nested.insert(1, "\"inner\":" + full + ",");
    EXPECT_NE(json_syntax::check_nesting(nested), std::nullopt);  // the outer has one more
    nested = full;
    nested.insert(nested.size() - 1, ",\"inner\":{\"a\":1}");
    EXPECT_NE(json_syntax::check_nesting(nested), std::nullopt);
}

TEST(CheckNesting, AcceptsASnapshotOfThousandsOfVirtualNumbers) {
    std::string body = R"({"eventType":"VIRTUAL_NUMBER_UPDATE","payload":{"virtualNumbers":[)";
    for (int i = 0; i < 3000; ++i) {
        body += i == 0 ? "" : ",";
        body += R"({"msisdn":"+6512345678","updatedTimestamp":"2023-02-17T05:10:14.760Z",)"
                R"("countryCode":"SG","operationalStatus":"Active","referenceId":"r",)"
                R"("rentalPrice":5.0,"incomingRate":0.05,"billingUnit":1,"billingCurrency":"USD",)"
                R"("numberHealthCheckEnabled":false,"updateStatus":"UPDATED"})";
    }
    EXPECT_EQ(json_syntax::check_nesting(body + "]}}"), std::nullopt);
}

TEST(CheckNesting, CountsMembersAcrossEveryObjectOfTheBody) {
    std::string body = "[";
    for (std::size_t i = 0; i <= json_limits::kMaxBodyMembers; ++i) {
        body += i == 0 ? "{\"k\":1}" : ",{\"k\":1}";
    }
    body += "]";
    auto const rejection = json_syntax::check_nesting(body);
    ASSERT_TRUE(rejection.has_value());
    EXPECT_THAT(rejection->message, StartsWith("body has more than 40000 object members"));
}

TEST(CheckNesting, IgnoresColonsInsideStrings) {
    std::string const colons(2 * json_limits::kMaxBodyMembers, ':');
    EXPECT_EQ(json_syntax::check_nesting("{\"t\":\"" + colons + "\"}"), std::nullopt);
}

TEST(DescribeInvalidJson, SaysAnEmptyBodyIsEmpty) {
    Rejection const rejection = json_syntax::describe_invalid_json("");
    EXPECT_EQ(rejection.code, RejectCode::invalid_json);
    EXPECT_EQ(rejection.field, "");
    EXPECT_EQ(rejection.message, "body is empty; expected a JSON object");
}

TEST(DescribeInvalidJson, GivesTheByteWhereTheParserStoppedAndWhy) {
    Rejection const rejection = json_syntax::describe_invalid_json(R"({"a": x})");
    EXPECT_EQ(rejection.code, RejectCode::invalid_json);
    EXPECT_EQ(rejection.field, "");
    EXPECT_THAT(rejection.message, StartsWith("body is not valid JSON at byte 7: "));
    EXPECT_THAT(rejection.message, HasSubstr("invalid literal"));
    // nlohmann's own prefix and line/column location are left out.
    EXPECT_THAT(rejection.message, ::testing::Not(HasSubstr("json.exception")));
    EXPECT_THAT(rejection.message, ::testing::Not(HasSubstr("line 1")));
}

TEST(DescribeInvalidJson, DescribesATruncatedBody) {
    Rejection const rejection = json_syntax::describe_invalid_json(R"({"eventType":"CALL_)");
    EXPECT_THAT(rejection.message, StartsWith("body is not valid JSON at byte "));
    EXPECT_THAT(rejection.message, HasSubstr("missing closing quote"));
}

TEST(DescribeInvalidJson, DescribesTrailingGarbage) {
    Rejection const rejection = json_syntax::describe_invalid_json("{} {}");
    EXPECT_THAT(rejection.message, StartsWith("body is not valid JSON at byte "));
    EXPECT_THAT(rejection.message, HasSubstr("end of input"));
}

TEST(DescribeInvalidJson, KeepsTheMessageValidUtf8WhenTheBodyIsNot) {
    Rejection const rejection = json_syntax::describe_invalid_json("{\"a\":\"\xFF\xFE\"}");
    EXPECT_THAT(rejection.message, StartsWith("body is not valid JSON at byte "));
    EXPECT_TRUE(utf8::is_valid(rejection.message)) << rejection.message;
}

TEST(DescribeInvalidJson, CutsALongQuotedTokenShort) {
    std::string const body = "{\"a\":\"" + std::string(5000, 'x') + "\x01\"}";
    Rejection const rejection = json_syntax::describe_invalid_json(body);
    EXPECT_THAT(rejection.message, StartsWith("body is not valid JSON at byte "));
    EXPECT_LT(rejection.message.size(), 300u) << rejection.message;
}

TEST(DescribeInvalidJson, StillRejectsABodyThatIsValidJson) {
    // Only for the failure path, but never a crash or an acceptance.
    Rejection const rejection = json_syntax::describe_invalid_json(R"({"a":1})");
    EXPECT_EQ(rejection.code, RejectCode::invalid_json);
    EXPECT_EQ(rejection.message, "body is not valid JSON");
}

}  // namespace
}  // namespace callsink
