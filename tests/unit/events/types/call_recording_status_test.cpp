// CALL_RECORDING_STATUS against 8x8's example (tests/data/call_recording_status.json, from the
// Number Masking "Call Recordings" page), its lenient shapes, and the statuses it may carry.
#include "callsink/events/types/call_recording_status.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "callsink/events/parse.hpp"
#include "fixtures.hpp"
#include "parsed.hpp"

namespace callsink {
namespace {

using testing::parsed;

using ::testing::ElementsAre;
using ::testing::Field;
using testing::fixture;

TEST(ParseCallRecordingStatus, ReadsThe8x8Example) {
    Event const event = parsed(fixture("call_recording_status.json"));
    EXPECT_EQ(event.type().identity.name, "CALL_RECORDING_STATUS");
    EXPECT_EQ(event.envelope.namespace_name, "VOICE");
    EXPECT_TRUE(event.notes.empty());
    CallRecordingStatus const recording = testing::payload_of<CallRecordingStatus>(event);
    EXPECT_EQ(recording.session_id, "e35e3d0e-065a-11ec-b119-676cb2bc33ef");
    EXPECT_EQ(recording.recording_id, "eef54fc2-065a-11ec-bce9-ed1000154345");
    EXPECT_EQ(recording.duration_seconds, 25);
    EXPECT_THAT(recording.file_path.value_or(""), ::testing::StartsWith("yourRecordingsEndpoint/"));
    EXPECT_EQ(recording.status, "UPLOAD_COMPLETED");
}

TEST(ParseCallRecordingStatus, ReadsDigitsSentAsAStringKeepsUnknownFieldsAndNullsAsAbsent) {
    Event const event = parsed(fixture("call_recording_status_lenient.json"));
    EXPECT_TRUE(event.notes.empty());
    CallRecordingStatus const recording = testing::payload_of<CallRecordingStatus>(event);
    EXPECT_EQ(recording.duration_seconds, 25);
    EXPECT_EQ(recording.file_path, std::nullopt);
    EXPECT_EQ(recording.status, "UPLOAD_FAILED");
    EXPECT_EQ(recording.extra, Json::parse(R"({"errorMessage":"SFTP login refused"})"));
}

TEST(ParseCallRecordingStatus, KnowsEveryStatusTheRecordingsApiLists) {
    for (std::string_view status : kRecordingStatuses) {
        Json body = Json::parse(fixture("call_recording_status.json"));
        body["payload"]["status"] = status;
        Event const event = parsed(body.dump());
        EXPECT_TRUE(event.notes.empty()) << status;
        EXPECT_EQ(testing::payload_of<CallRecordingStatus>(event).status, status);
    }
}

TEST(ParseCallRecordingStatus, KeepsAndNotesAStatusThePageDoesNotList) {
    Event const event = parsed(fixture("call_recording_status_unknown_status.json"));
    EXPECT_THAT(event.notes, ElementsAre(Field(&ParseNote::field, "payload.status")));
    EXPECT_EQ(testing::payload_of<CallRecordingStatus>(event).status, "ARCHIVED");
}

}  // namespace
}  // namespace callsink
