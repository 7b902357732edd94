// CALL_RECORDING_STATUS ("VRU"): a session's call recording has moved on (uploaded to the
// customer's S3 or SFTP server, or failed to), posted to /recording (8x8's "Number Masking Call
// Recordings" page, "Voice Recording Uploaded Event", developer.8x8.com/connect/docs/voice/
// number-masking/call-recordings; docs/events.md). Everything callsink knows about the type is
// here: its fields, their leniency and its identity.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "callsink/events/event_identity.hpp"
#include "callsink/events/field_list.hpp"

namespace callsink {

// The page gives no field table for the webhook, only its example; these are the statuses its
// recordings API lists, of which the example sends UPLOAD_COMPLETED.
inline constexpr std::array<std::string_view, 7> kRecordingStatuses{
    "PROCESSING",         "PROCESSING_FAILED", "UPLOAD_COMPLETED", "UPLOAD_FAILED",
    "CALLBACK_COMPLETED", "CALLBACK_FAILED",   "UNKNOWN",
};

inline constexpr std::array<std::string_view, 2> kCallRecordingStatusRedelivery{"recordingId",
                                                                                "status"};
inline constexpr std::array<SummaryField, 3> kCallRecordingStatusSummary{{
    {"session", "sessionId"},
    {"recording", "recordingId"},
    {"status", "status"},
}};

struct CallRecordingStatus {
    std::string session_id;    // required
    std::string recording_id;  // required
    std::optional<std::int64_t> duration_seconds;
    std::optional<std::string> file_path;
    std::string status;  // required; PROCESSING … UNKNOWN, or a newer value
    Json extra = Json::object();

    // A recording passes through several statuses, each reported once.
    static constexpr EventIdentity kIdentity{
        .name = "CALL_RECORDING_STATUS",
        .webhook = "VRU",
        .path = "/recording",
        .event_id = "",
        .session_id = "sessionId",
        .redelivery = kCallRecordingStatusRedelivery,
        .summary = kCallRecordingStatusSummary,
    };
};

// In the example's order. durationSeconds is a number there; digits in a string read as one,
// as for callDuration. filePath is where the customer's server keeps the file.
void visit_fields(Matching<CallRecordingStatus> auto& recording, auto& fields) {
    fields.required("sessionId", recording.session_id);
    fields.required("recordingId", recording.recording_id);
    fields.optional("durationSeconds", recording.duration_seconds);
    fields.optional("filePath", recording.file_path);
    fields.required("status", recording.status, {.known = kRecordingStatuses});
}

}  // namespace callsink
