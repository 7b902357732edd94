#include "callsink/base/log_text.hpp"

#include <gtest/gtest.h>

namespace callsink {
namespace {

TEST(LogValue, LeavesPlainTokensAlone) {
    EXPECT_EQ(log_value("CALL_STATUS"), "CALL_STATUS");
    EXPECT_EQ(log_value("1f048a84-ea6d-11ee-911b-078f7290bf52"),
              "1f048a84-ea6d-11ee-911b-078f7290bf52");
    EXPECT_EQ(log_value("payload.details.callA.callDuration"),
              "payload.details.callA.callDuration");
    EXPECT_EQ(log_value("payload.virtualNumbers[1].msisdn"), "payload.virtualNumbers[1].msisdn");
}

TEST(LogValue, WritesADashForNothing) {
    EXPECT_EQ(log_value(""), "-");
}

TEST(LogValue, QuotesSpacesAndEscapesWhatCouldForgeALine) {
    EXPECT_EQ(log_value("NO ANSWER"), "\"NO ANSWER\"");
    EXPECT_EQ(log_value("x\n2026-11-23T17:00:00.000Z info forged"),
              "\"x\\n2026-11-23T17:00:00.000Z info forged\"");
    EXPECT_EQ(log_value("a\"b\rc"), "\"a\\\"b\\rc\"");
}

TEST(LogValue, ReplacesInvalidUtf8InsteadOfFailing) {
    EXPECT_EQ(log_value("\xff"), "\"\\ufffd\"");
}

}  // namespace
}  // namespace callsink
