#include "callsink/sinks/log/log_sink.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

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

using Fields = std::vector<std::pair<std::string_view, std::string_view>>;

Record event(std::string_view type, Fields const& fields) {
    Record record;
    record.line = "{}\n";
    record.summary.event_type = type;
    for (auto const& [label, value] : fields) {
        record.summary.add(label, value);
    }
    return record;
}

TEST_F(LogSinkTest, PrintsOneGreppableLinePerEvent) {
    LogSink sink(logger_);
    std::vector<Record> batch{
        event("CALL_STATUS", {{"session", "s-1"},
                              {"call", "c-1"},
                              {"status", "CALL_RECEIVED"},
                              {"direction", "INBOUND"}}),
        event("SESSION_SUMMARY", {{"session", "s-1"}, {"status", "COMPLETED"}}),
        event("VIRTUAL_NUMBER_UPDATE", {{"subaccount", "acme"}, {"update", ""}}),
    };
    ASSERT_FALSE(sink.write(batch));
    EXPECT_EQ(out_.str(),
              "event CALL_STATUS session=s-1 call=c-1 status=CALL_RECEIVED direction=INBOUND\n"
              "event SESSION_SUMMARY session=s-1 status=COMPLETED\n"
              "event VIRTUAL_NUMBER_UPDATE subaccount=acme update=-\n");
}

TEST_F(LogSinkTest, QuotesValuesWithSpacesAndEscapesNewlines) {
    LogSink sink(logger_);
    std::vector<Record> batch{
        event("SESSION_SUMMARY", {{"session", "a\nevent FAKE"}, {"status", "NO ANSWER"}})};
    ASSERT_FALSE(sink.write(batch));
    EXPECT_EQ(out_.str(),
              "event SESSION_SUMMARY session=\"a\\nevent FAKE\" status=\"NO ANSWER\"\n");
}

TEST_F(LogSinkTest, SkipsRejections) {
    LogSink sink(logger_);
    Record rejection;
    rejection.kind = RecordKind::rejection;
    rejection.line = "{}\n";
    ASSERT_FALSE(sink.write(std::vector<Record>{rejection}));
    EXPECT_EQ(out_.str(), "");
}

}  // namespace
}  // namespace callsink
