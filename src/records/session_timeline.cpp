#include "callsink/records/session_timeline.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>
#include <utility>

#include "callsink/base/rfc3339.hpp"

namespace callsink {
namespace {

using Json = nlohmann::json;

// Typed reads of a stored record. The encoders normalised every value (numbers as numbers,
// nulls left out), so a value of another type is one this reader does not use: it reads as absent.
Json const* member(Json const& object, char const* key) {
    if (!object.is_object()) {
        return nullptr;
    }
    auto const found = object.find(key);
    return found == object.end() ? nullptr : &*found;
}

std::optional<std::string> text_at(Json const& object, char const* key) {
    Json const* value = member(object, key);
    return value && value->is_string() ? std::optional(value->get<std::string>()) : std::nullopt;
}

std::optional<std::int64_t> integer_at(Json const& object, char const* key) {
    Json const* value = member(object, key);
    return value && value->is_number_integer() ? std::optional(value->get<std::int64_t>())
                                               : std::nullopt;
}

std::optional<double> decimal_at(Json const& object, char const* key) {
    Json const* value = member(object, key);
    return value && value->is_number() ? std::optional(value->get<double>()) : std::nullopt;
}

std::optional<TimelineError> error_at(Json const& object) {
    Json const* details = member(object, "errorDetails");
    if (details == nullptr || !details->is_object()) {
        return std::nullopt;
    }
    return TimelineError{integer_at(*details, "errorCode"), text_at(*details, "errorMsg")};
}

std::optional<LegQuality> quality_at(Json const& leg) {
    Json const* quality = member(leg, "callQuality");
    if (quality == nullptr || !quality->is_object()) {
        return std::nullopt;
    }
    return LegQuality{decimal_at(*quality, "mos"), decimal_at(*quality, "packetLossRate"),
                      integer_at(*quality, "jitter")};
}

void fill(std::optional<std::string>& field, std::optional<std::string> value) {
    if (!field && value) {
        field = std::move(value);
    }
}

// Events whose own time cannot be read go after those that have one, then by arrival; the event
// id last, so the order never depends on the order the records were read in. This is the order
// the postgres sink's query gives (postgres_schema.hpp), so both stores read the same.
using TimeKey = std::tuple<bool, std::int64_t, std::string, std::string>;

TimeKey time_key(std::string const& timestamp, std::string const& received_at,
                 std::string const& tie) {
    auto const at = rfc3339::to_unix_ms(timestamp);
    return {!at.has_value(), at.value_or(0), received_at, tie};
}

// One CALL_STATUS before it joins its leg.
struct StatusEvent {
    std::string call_id;
    LegStatus status;
    std::optional<std::string> call_direction;
    std::optional<std::string> call_type;
    std::optional<std::string> source;
    std::optional<std::string> destination;
    TimeKey key;
};

class TimelineBuilder {
  public:
    explicit TimelineBuilder(std::string_view session_id) {
        timeline_.session_id = std::string(session_id);
    }

    void add(std::string const& text) {
        Json const record = Json::parse(text, nullptr, false);
        if (record.is_discarded() || !record.is_object()) {
            ++timeline_.unreadable;
            return;
        }
        Json const* payload = member(record, "payload");
        if (payload == nullptr || text_at(*payload, "sessionId") != timeline_.session_id) {
            return;  // another session's, or not an event record
        }
        std::string const received_at = received_at_of(record);
        auto const type = text_at(record, "eventType").value_or("");
        bool counted = false;
        if (type == "CALL_STATUS") {
            counted = add_call_status(*payload, received_at);
        } else if (type == "SESSION_SUMMARY") {
            counted = add_summary(*payload, received_at);
        } else if (type == "CALL_RECORDING_STATUS") {
            counted = add_recording(*payload, received_at);
        } else {
            return;  // no other type callsink stores names a session
        }
        ++(counted ? timeline_.events : timeline_.redeliveries);
    }

    SessionTimeline finish() && {
        std::sort(statuses_.begin(), statuses_.end(),
                  [](StatusEvent const& a, StatusEvent const& b) { return a.key < b.key; });
        for (StatusEvent& event : statuses_) {
            TimelineLeg& leg = leg_for(event.call_id, "");
            fill(leg.call_direction, std::move(event.call_direction));
            fill(leg.call_type, std::move(event.call_type));
            fill(leg.source, std::move(event.source));
            fill(leg.destination, std::move(event.destination));
            leg.statuses.push_back(std::move(event.status));
        }
        if (summary_) {
            apply_summary(*summary_);
        }
        sort_legs();
        std::sort(timeline_.recordings.begin(), timeline_.recordings.end(),
                  [](TimelineRecording const& a, TimelineRecording const& b) {
                      return std::tie(a.received_at, a.recording_id, a.status) <
                             std::tie(b.received_at, b.recording_id, b.status);
                  });
        return std::move(timeline_);
    }

  private:
    static std::string received_at_of(Json const& record) {
        Json const* received = member(record, "received");
        return received ? text_at(*received, "at").value_or("") : "";
    }

    // False for a redelivery: 8x8 sent the same eventId again after the dedupe window forgot it.
    // The first received is kept, whatever order the records come in.
    bool add_call_status(Json const& payload, std::string const& received_at) {
        auto event_id = text_at(payload, "eventId").value_or("");
        std::size_t const index = statuses_.size();
        if (!event_id.empty()) {
            auto const [seen, added] = event_ids_.try_emplace(event_id, index);
            if (!added) {
                if (received_at < statuses_[seen->second].status.received_at) {
                    statuses_[seen->second] = status_event(payload, received_at, event_id);
                }
                return false;
            }
        }
        statuses_.push_back(status_event(payload, received_at, event_id));
        return true;
    }

    static StatusEvent status_event(Json const& payload, std::string const& received_at,
                                    std::string const& event_id) {
        StatusEvent event;
        event.call_id = text_at(payload, "callId").value_or("");
        event.status.call_status = text_at(payload, "callStatus").value_or("");
        event.status.timestamp = text_at(payload, "timestamp").value_or("");
        event.status.call_duration = integer_at(payload, "callDuration");
        event.status.sip_code = integer_at(payload, "sipCode");
        event.status.received_at = received_at;
        event.call_direction = text_at(payload, "callDirection");
        event.call_type = text_at(payload, "callType");
        event.source = text_at(payload, "source");
        event.destination = text_at(payload, "destination");
        event.key = time_key(event.status.timestamp, received_at, event_id);
        return event;
    }

    // A session gets one summary; another one is a redelivery. The first received is kept, as
    // the postgres sink keeps the first stored, so both stores show the same one.
    bool add_summary(Json const& payload, std::string const& received_at) {
        bool const first = !summary_;
        if (first || received_at < summary_received_at_) {
            summary_ = payload;
            summary_received_at_ = received_at;
        }
        return first;
    }

    bool add_recording(Json const& payload, std::string const& received_at) {
        TimelineRecording recording;
        recording.recording_id = text_at(payload, "recordingId").value_or("");
        recording.status = text_at(payload, "status").value_or("");
        recording.duration_seconds = integer_at(payload, "durationSeconds");
        recording.file_path = text_at(payload, "filePath");
        recording.received_at = received_at;
        // A recording reports each status once; a repeat is a redelivery, the first one is kept.
        auto const [seen, added] = recordings_seen_.try_emplace(
            std::pair(recording.recording_id, recording.status), timeline_.recordings.size());
        if (!added) {
            TimelineRecording& kept = timeline_.recordings[seen->second];
            if (received_at < kept.received_at) {
                kept = std::move(recording);
            }
            return false;
        }
        timeline_.recordings.push_back(std::move(recording));
        return true;
    }

    void apply_summary(Json const& payload) {
        TimelineSummary summary;
        summary.session_status = text_at(payload, "sessionStatus").value_or("");
        summary.start_time = text_at(payload, "startTime");
        summary.end_time = text_at(payload, "endTime");
        summary.call_count = integer_at(payload, "callCount");
        summary.last_action = text_at(payload, "lastAction");
        summary.sub_account_id = text_at(payload, "subAccountId");
        summary.error_details = error_at(payload);
        timeline_.summary = std::move(summary);
        Json const* details = member(payload, "details");
        if (details == nullptr || !details->is_object()) {
            return;
        }
        for (auto const& [name, details_of_leg] : details->items()) {
            if (details_of_leg.is_object()) {
                apply_summary_leg(name, details_of_leg);
            }
        }
    }

    // The summary is the last word on a leg, so its values replace what the status updates said.
    void apply_summary_leg(std::string const& name, Json const& details) {
        TimelineLeg& leg = leg_for(text_at(details, "callId").value_or(""), name);
        leg.name = name;
        auto prefer = [&](std::optional<std::string>& field, char const* key) {
            if (auto value = text_at(details, key)) {
                field = std::move(value);
            }
        };
        prefer(leg.call_direction, "callDirection");
        prefer(leg.call_type, "callType");
        prefer(leg.source, "source");
        prefer(leg.destination, "destination");
        leg.call_status = text_at(details, "callStatus");
        leg.initiated_timestamp = text_at(details, "initiatedTimestamp");
        leg.connected_timestamp = text_at(details, "connectedTimestamp");
        leg.disconnected_timestamp = text_at(details, "disconnectedTimestamp");
        leg.call_duration = integer_at(details, "callDuration");
        leg.call_quality = quality_at(details);
        leg.error_details = error_at(details);
    }

    // A summary leg without a callId can only be told apart by its name under `details`.
    TimelineLeg& leg_for(std::string const& call_id, std::string const& name) {
        auto const found =
            std::find_if(timeline_.legs.begin(), timeline_.legs.end(), [&](TimelineLeg const& leg) {
                return call_id.empty() ? leg.call_id.empty() && leg.name == name
                                       : leg.call_id == call_id;
            });
        if (found != timeline_.legs.end()) {
            return *found;
        }
        TimelineLeg& leg = timeline_.legs.emplace_back();
        leg.call_id = call_id;
        return leg;
    }

    // A leg begins at its summary's initiatedTimestamp or its first status, whichever is earlier.
    void sort_legs() {
        auto begins = [](TimelineLeg const& leg) {
            std::optional<std::int64_t> first;
            auto consider = [&](std::string const& text) {
                if (auto const at = rfc3339::to_unix_ms(text); at && (!first || *at < *first)) {
                    first = at;
                }
            };
            consider(leg.initiated_timestamp.value_or(""));
            for (LegStatus const& status : leg.statuses) {
                consider(status.timestamp);
            }
            return std::tuple(!first.has_value(), first.value_or(0), leg.name.empty(), leg.name,
                              leg.call_id);
        };
        std::sort(
            timeline_.legs.begin(), timeline_.legs.end(),
            [&](TimelineLeg const& a, TimelineLeg const& b) { return begins(a) < begins(b); });
    }

    SessionTimeline timeline_;
    std::vector<StatusEvent> statuses_;
    std::map<std::string, std::size_t> event_ids_;  // eventId -> its place in statuses_
    std::map<std::pair<std::string, std::string>, std::size_t> recordings_seen_;
    std::optional<Json> summary_;
    std::string summary_received_at_;
};

}  // namespace

SessionTimeline build_session_timeline(std::string_view session_id,
                                       std::span<std::string const> record_texts) {
    TimelineBuilder builder(session_id);
    for (std::string const& text : record_texts) {
        builder.add(text);
    }
    return std::move(builder).finish();
}

}  // namespace callsink
