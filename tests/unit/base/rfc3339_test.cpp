// rfc3339::is_timestamp against the forms 8x8 sends and RFC 3339 section 5.6's grammar: what it
// accepts, and the calendar and syntax it refuses; rfc3339::to_unix_ms, the instant each names.
#include "callsink/base/rfc3339.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace callsink {
namespace {

using rfc3339::is_timestamp;
using rfc3339::to_unix_ms;

TEST(Rfc3339, AcceptsThe8x8FormsWithAndWithoutMilliseconds) {
    EXPECT_TRUE(is_timestamp("2026-01-06T10:17:19.375Z"));
    EXPECT_TRUE(is_timestamp("2019-10-16T08:12:01Z"));
}

TEST(Rfc3339, AcceptsAnyNumberOfFractionalDigits) {
    EXPECT_TRUE(is_timestamp("2026-01-06T10:17:19.3Z"));
    EXPECT_TRUE(is_timestamp("2026-01-06T10:17:19.123456789Z"));
}

TEST(Rfc3339, RefusesADecimalPointWithoutDigits) {
    EXPECT_FALSE(is_timestamp("2026-01-06T10:17:19.Z"));
    EXPECT_FALSE(is_timestamp("2026-01-06T10:17:19,375Z"));
}

TEST(Rfc3339, AcceptsLowerCaseAndSpaceSeparatorsAndALowerCaseZ) {
    EXPECT_TRUE(is_timestamp("2026-01-06t10:17:19Z"));
    EXPECT_TRUE(is_timestamp("2026-01-06 10:17:19Z"));
    EXPECT_TRUE(is_timestamp("2026-01-06T10:17:19z"));
}

TEST(Rfc3339, RefusesOtherSeparators) {
    EXPECT_FALSE(is_timestamp("2026-01-06_10:17:19Z"));
    EXPECT_FALSE(is_timestamp("2026-01-0610:17:19Z"));
    EXPECT_FALSE(is_timestamp("2026/01/06T10:17:19Z"));
    EXPECT_FALSE(is_timestamp("2026-01-06T10-17-19Z"));
}

TEST(Rfc3339, AcceptsNumericOffsetsOnEitherSideOfUtc) {
    EXPECT_TRUE(is_timestamp("2026-01-06T10:17:19+08:00"));
    EXPECT_TRUE(is_timestamp("2026-01-06T10:17:19.375-05:30"));
    EXPECT_TRUE(is_timestamp("2026-01-06T10:17:19+23:59"));
}

TEST(Rfc3339, RefusesMissingOrMalformedOffsets) {
    EXPECT_FALSE(is_timestamp("2026-01-06T10:17:19"));
    EXPECT_FALSE(is_timestamp("2026-01-06T10:17:19+0800"));
    EXPECT_FALSE(is_timestamp("2026-01-06T10:17:19+8:00"));
    EXPECT_FALSE(is_timestamp("2026-01-06T10:17:19+24:00"));
    EXPECT_FALSE(is_timestamp("2026-01-06T10:17:19+08:60"));
    EXPECT_FALSE(is_timestamp("2026-01-06T10:17:19UTC"));
}

TEST(Rfc3339, RefusesAnythingAfterTheOffset) {
    EXPECT_FALSE(is_timestamp("2026-01-06T10:17:19ZZ"));
    EXPECT_FALSE(is_timestamp("2026-01-06T10:17:19Z "));
    EXPECT_FALSE(is_timestamp("2026-01-06T10:17:19+08:00:00"));
}

TEST(Rfc3339, RefusesADateOrATimeAlone) {
    EXPECT_FALSE(is_timestamp(""));
    EXPECT_FALSE(is_timestamp("2026-01-06"));
    EXPECT_FALSE(is_timestamp("10:17:19Z"));
    EXPECT_FALSE(is_timestamp("2026-01-06T"));
}

TEST(Rfc3339, RefusesFieldsWithTheWrongNumberOfDigits) {
    EXPECT_FALSE(is_timestamp("26-01-06T10:17:19Z"));
    EXPECT_FALSE(is_timestamp("02026-01-06T10:17:19Z"));
    EXPECT_FALSE(is_timestamp("2026-1-06T10:17:19Z"));
    EXPECT_FALSE(is_timestamp("2026-01-6T10:17:19Z"));
    EXPECT_FALSE(is_timestamp("2026-01-06T1:17:19Z"));
    EXPECT_FALSE(is_timestamp("2026-01-06T10:7:19Z"));
    EXPECT_FALSE(is_timestamp("2026-01-06T10:17:9Z"));
}

TEST(Rfc3339, RefusesSignsAndLettersInsideNumbers) {
    EXPECT_FALSE(is_timestamp("+026-01-06T10:17:19Z"));
    EXPECT_FALSE(is_timestamp("2026-0a-06T10:17:19Z"));
    EXPECT_FALSE(is_timestamp("2026-01-06T1 :17:19Z"));
}

TEST(Rfc3339, ChecksMonthAndDayRanges) {
    EXPECT_FALSE(is_timestamp("2026-00-06T10:17:19Z"));
    EXPECT_FALSE(is_timestamp("2026-13-06T10:17:19Z"));
    EXPECT_FALSE(is_timestamp("2026-01-00T10:17:19Z"));
    EXPECT_TRUE(is_timestamp("2026-01-31T10:17:19Z"));
    EXPECT_FALSE(is_timestamp("2026-01-32T10:17:19Z"));
    EXPECT_TRUE(is_timestamp("2026-04-30T10:17:19Z"));
    EXPECT_FALSE(is_timestamp("2026-04-31T10:17:19Z"));
    EXPECT_TRUE(is_timestamp("2026-12-31T23:59:59Z"));
}

TEST(Rfc3339, AcceptsALeapDayOnlyInALeapYear) {
    EXPECT_TRUE(is_timestamp("2024-02-29T00:00:00Z"));
    EXPECT_FALSE(is_timestamp("2026-02-29T00:00:00Z"));
    EXPECT_TRUE(is_timestamp("2026-02-28T00:00:00Z"));
    EXPECT_FALSE(is_timestamp("2024-02-30T00:00:00Z"));
}

TEST(Rfc3339, FollowsTheGregorianCenturyRule) {
    EXPECT_FALSE(is_timestamp("1900-02-29T00:00:00Z"));
    EXPECT_FALSE(is_timestamp("2100-02-29T00:00:00Z"));
    EXPECT_TRUE(is_timestamp("2000-02-29T00:00:00Z"));
    EXPECT_TRUE(is_timestamp("2400-02-29T00:00:00Z"));
}

TEST(Rfc3339, ChecksHourMinuteAndSecondRanges) {
    EXPECT_TRUE(is_timestamp("2026-01-06T00:00:00Z"));
    EXPECT_TRUE(is_timestamp("2026-01-06T23:59:59Z"));
    EXPECT_FALSE(is_timestamp("2026-01-06T24:00:00Z"));
    EXPECT_FALSE(is_timestamp("2026-01-06T10:60:00Z"));
    EXPECT_FALSE(is_timestamp("2026-01-06T10:17:61Z"));
}

TEST(Rfc3339, AcceptsALeapSecond) {
    EXPECT_TRUE(is_timestamp("2016-12-31T23:59:60Z"));
}

TEST(Rfc3339, StopsAtTheEndOfTheViewNotAtATerminator) {
    constexpr std::string_view kText = "2026-01-06T10:17:19Zjunk";
    EXPECT_TRUE(is_timestamp(kText.substr(0, 20)));
    EXPECT_FALSE(is_timestamp(kText.substr(0, 19)));
    EXPECT_FALSE(is_timestamp(kText));
}

TEST(Rfc3339ToUnixMs, ReadsThe8x8FormsAsMillisecondsSinceTheEpoch) {
    EXPECT_EQ(to_unix_ms("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(to_unix_ms("2026-01-06T10:17:19.375Z"), 1767694639375);
    EXPECT_EQ(to_unix_ms("2019-10-16T08:12:01Z"), 1571213521000);
    EXPECT_EQ(to_unix_ms("1969-12-31T23:59:59.999Z"), -1);
}

TEST(Rfc3339ToUnixMs, AppliesTheOffsetSoOneInstantReadsTheSame) {
    EXPECT_EQ(to_unix_ms("2024-03-25T14:01:37+08:00"), to_unix_ms("2024-03-25T06:01:37Z"));
    EXPECT_EQ(to_unix_ms("2024-03-25T00:31:37-05:30"), to_unix_ms("2024-03-25T06:01:37z"));
    EXPECT_EQ(to_unix_ms("2024-03-25 06:01:37Z"), to_unix_ms("2024-03-25T06:01:37Z"));
}

TEST(Rfc3339ToUnixMs, KeepsThreeFractionDigitsAndPadsFewer) {
    EXPECT_EQ(*to_unix_ms("2024-03-25T06:01:37.3Z") % 1000, 300);
    EXPECT_EQ(*to_unix_ms("2024-03-25T06:01:37.05Z") % 1000, 50);
    EXPECT_EQ(*to_unix_ms("2024-03-25T06:01:37.123999Z") % 1000, 123);
}

TEST(Rfc3339ToUnixMs, CountsLeapDaysAndReadsALeapSecondAsTheNextMinute) {
    EXPECT_EQ(*to_unix_ms("2024-03-01T00:00:00Z") - *to_unix_ms("2024-02-28T00:00:00Z"),
              2 * 86'400'000);
    EXPECT_EQ(to_unix_ms("2016-12-31T23:59:60Z"), to_unix_ms("2017-01-01T00:00:00Z"));
}

TEST(Rfc3339ToUnixMs, HasNoValueForWhatIsNotATimestamp) {
    EXPECT_FALSE(to_unix_ms(""));
    EXPECT_FALSE(to_unix_ms("2026-02-30T10:17:19Z"));
    EXPECT_FALSE(to_unix_ms("2026-01-06T10:17:19"));
    EXPECT_FALSE(to_unix_ms("yesterday"));
}

}  // namespace
}  // namespace callsink
