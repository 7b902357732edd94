// One masked session as callsink stored it: each call leg with every CALL_STATUS it reported, in
// time order, and what the SESSION_SUMMARY says of it (timestamps, outcome, duration, call
// quality, errors); the summary itself; the session's recordings. Built from the session's record
// texts (records.md) in any order, so the timeline is the same whether they were read from the
// files (arrival order, spread over rotations) or from the database (ordered by time). Numbers are
// shown as stored: masked or hashed when [privacy] said so.
//
// Each record is read back as the typed event it stores (events/parse.hpp), and what each type
// adds to a timeline is one function of its own in session_timeline.cpp; a type that names no
// session (VIRTUAL_NUMBER_UPDATE) adds nothing.
//
// Pure: record texts in, a timeline out; reading them from a store is the caller's job.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace callsink {

// errorDetails, on the session or on one leg.
struct TimelineError {
    std::optional<std::int64_t> error_code;
    std::optional<std::string> error_msg;
};

// One CALL_STATUS of a leg.
struct LegStatus {
    std::string call_status;
    std::string timestamp;  // payload.timestamp as stored; "" when the event had none
    std::optional<std::int64_t> call_duration;
    std::optional<std::int64_t> sip_code;
    std::string received_at;  // received.at: orders statuses that share (or lack) a timestamp
};

// details.<leg>.callQuality.
struct LegQuality {
    std::optional<double> mos;
    std::optional<double> packet_loss_rate;
    std::optional<std::int64_t> jitter;
};

struct TimelineLeg {
    std::string name;     // the summary's key for it ("callA"); "" until a summary names it
    std::string call_id;  // "" for a summary leg without one
    std::optional<std::string> call_direction;
    std::optional<std::string> call_type;
    std::optional<std::string> source;  // as stored: masked or hashed under [privacy]
    std::optional<std::string> destination;
    std::vector<LegStatus> statuses;  // every CALL_STATUS, in time order

    // From the summary's details.<leg>.
    std::optional<std::string> call_status;
    std::optional<std::string> initiated_timestamp;
    std::optional<std::string> connected_timestamp;
    std::optional<std::string> disconnected_timestamp;
    std::optional<std::int64_t> call_duration;
    std::optional<LegQuality> call_quality;
    std::optional<TimelineError> error_details;
};

struct TimelineSummary {
    std::string session_status;
    std::optional<std::string> start_time;
    std::optional<std::string> end_time;
    std::optional<std::int64_t> call_count;
    std::optional<std::string> last_action;
    std::optional<std::string> sub_account_id;
    std::optional<TimelineError> error_details;  // the session's own; each leg's is on the leg
};

// One CALL_RECORDING_STATUS of the session.
struct TimelineRecording {
    std::string recording_id;
    std::string status;
    std::optional<std::int64_t> duration_seconds;
    std::optional<std::string> file_path;
    std::string received_at;  // the event has no time of its own
};

struct SessionTimeline {
    std::string session_id;
    std::vector<TimelineLeg> legs;  // by the time each began; legs with no time last
    std::optional<TimelineSummary> summary;
    std::vector<TimelineRecording> recordings;  // in arrival order
    std::size_t events = 0;  // records of this session that went into the timeline
    std::size_t redeliveries =
        0;                       // records of it already counted (same eventId, or a summary again)
    std::size_t unreadable = 0;  // texts that were not a JSON object

    bool empty() const { return events == 0; }
};

// The timeline of `session_id` from record texts, in any order. Texts about other sessions (a
// prefilter's false matches) are skipped, as are texts that are not records; a CALL_STATUS that
// repeats an eventId counts once, and of several summaries the first received is kept (the rest
// are redeliveries after a restart, which the dedupe window no longer remembered).
SessionTimeline build_session_timeline(std::string_view session_id,
                                       std::span<std::string const> record_texts);

}  // namespace callsink
