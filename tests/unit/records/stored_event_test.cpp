// Event records read back from their stored line: the Record is the one the general encoder made
// (line, summary, redelivery key, request id) for every example type, and lines that are no event
// record are told apart.
#include "callsink/records/stored_event.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "callsink/records/event_record.hpp"
#include "fixtures.hpp"
#include "parsed.hpp"

namespace callsink {
namespace {

using testing::fixture;
using testing::parsed;

Received const kReceived{"2026-11-22T18:00:00.123Z", "/status", "203.0.113.7", "req-0001"};

Record encoded(std::string_view fixture_name) {
    return event_record(parsed(fixture(fixture_name)), kReceived);
}

void expect_same_summary(EventSummary const& read, EventSummary const& made) {
    EXPECT_EQ(read.event_type, made.event_type);
    EXPECT_EQ(read.type_index, made.type_index);
    EXPECT_EQ(read.event_id(), made.event_id());
    EXPECT_EQ(read.session_id(), made.session_id());
    ASSERT_EQ(read.size(), made.size());
    for (std::size_t i = 0; i < made.size(); ++i) {
        EXPECT_EQ(read.label(i), made.label(i));
        EXPECT_EQ(read.value(i), made.value(i));
    }
}

class StoredEventOfEachType : public ::testing::TestWithParam<std::string_view> {};

TEST_P(StoredEventOfEachType, IsTheRecordTheEncoderMadeWithItsKeyAndRequestId) {
    Record const made = encoded(GetParam());
    std::optional<StoredEvent> const read = read_stored_event(made.line);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->record.kind, RecordKind::event);
    EXPECT_EQ(read->record.line, made.line);
    EXPECT_EQ(read->record.redelivery_key, made.redelivery_key);
    EXPECT_TRUE(read->record.redelivery_key);
    EXPECT_EQ(read->record.request_id, "req-0001");
    expect_same_summary(read->record.summary, made.summary);
    EXPECT_EQ(read->received_at_ms, 1'795'370'400'123);  // 2026-11-22T18:00:00.123Z
}

// Every type, VIRTUAL_NUMBER_UPDATE among them: its key is its whole payload's text.
INSTANTIATE_TEST_SUITE_P(ExampleTypes, StoredEventOfEachType,
                         ::testing::Values("call_status_2026.json", "session_summary_success.json",
                                           "virtual_number_update.json",
                                           "call_recording_status.json",
                                           "call_status_unknown_fields.json"));

TEST(StoredEvent, ALineWithoutItsNewlineGetsOne) {
    Record const made = encoded("call_status_2026.json");
    std::string_view line = made.line;
    line.remove_suffix(1);
    std::optional<StoredEvent> const read = read_stored_event(line);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->record.line, made.line);
}

TEST(StoredEvent, ALineThatIsNoEventRecordIsNone) {
    Record const made = encoded("call_status_2026.json");
    EXPECT_FALSE(read_stored_event(""));
    EXPECT_FALSE(read_stored_event(std::string_view(made.line).substr(0, made.line.size() / 2)));
    EXPECT_FALSE(read_stored_event("[1,2]"));
    EXPECT_FALSE(read_stored_event(
        R"({"received":{"at":"2026-11-22T18:00:00.123Z"},"error":{"code":"invalid_json"},"body":"x"})"));
    EXPECT_FALSE(read_stored_event(
        R"({"eventType":"CALL_ACTION","payload":{},"received":{"at":"2026-11-22T18:00:00Z"}})"));
    EXPECT_FALSE(read_stored_event(R"({"eventType":"CALL_STATUS","payload":{}})"));  // no received
    EXPECT_FALSE(read_stored_event(
        R"({"eventType":"CALL_STATUS","payload":{},"received":{"at":"yesterday"}})"));
}

TEST(StoredEvent, ReceivedAtIsReadFromEventsAndRejectionsAlike) {
    EXPECT_EQ(received_at_ms(encoded("call_status_2026.json").line), 1'795'370'400'123);
    EXPECT_EQ(received_at_ms(R"({"received":{"at":"1970-01-01T00:00:01Z"},"body":"x"})"), 1000);
    EXPECT_FALSE(received_at_ms(R"({"received":{"at":"soon"}})"));
    EXPECT_FALSE(received_at_ms(R"({"received":"1970-01-01T00:00:01Z"})"));
    EXPECT_FALSE(received_at_ms("not json"));
}

}  // namespace
}  // namespace callsink
