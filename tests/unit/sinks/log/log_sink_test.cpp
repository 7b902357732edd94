#include "callsink/sinks/log/log_sink.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

namespace callsink {
namespace {

class LogSinkTest : public ::testing::Test {
  protected:
    LogSinkTest() {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
        sink->set_pattern("%v");
        logger_ = std::make_shared<spdlog::logger>("test", sink);
    }
    std::ostringstream out_;
    std::shared_ptr<spdlog::logger> logger_;
};

TEST_F(LogSinkTest, PrintsOneGreppableLinePerEvent) {
    LogSink sink(logger_);
    std::vector<Record> batch{
        {RecordKind::event, "{}\n", {"CALL_STATUS", "s-1", "c-1", "CALL_RECEIVED", "INBOUND"}, {}},
        {RecordKind::event, "{}\n", {"SESSION_SUMMARY", "s-1", "", "COMPLETED", ""}, {}},
    };
    ASSERT_FALSE(sink.write(batch));
    EXPECT_EQ(out_.str(),
              "event CALL_STATUS session=s-1 call=c-1 status=CALL_RECEIVED direction=INBOUND\n"
              "event SESSION_SUMMARY session=s-1 call=- status=COMPLETED direction=-\n");
}

TEST_F(LogSinkTest, QuotesValuesWithSpacesAndEscapesNewlines) {
    LogSink sink(logger_);
    std::vector<Record> batch{
        {RecordKind::event, "{}\n", {"SESSION_SUMMARY", "a\nevent FAKE", "", "NO ANSWER", ""}, {}}};
    ASSERT_FALSE(sink.write(batch));
    EXPECT_EQ(out_.str(),
              "event SESSION_SUMMARY session=\"a\\nevent FAKE\" call=- status=\"NO ANSWER\" "
              "direction=-\n");
}

TEST_F(LogSinkTest, SkipsRejections) {
    LogSink sink(logger_);
    ASSERT_FALSE(sink.write(std::vector<Record>{{RecordKind::rejection, "{}\n", {}, {}}}));
    EXPECT_EQ(out_.str(), "");
}

}  // namespace
}  // namespace callsink
