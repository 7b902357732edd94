#include "callsink/records/session_timeline.hpp"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>
#include <variant>

#include "callsink/base/rfc3339.hpp"
#include "callsink/events/parse.hpp"

namespace callsink {
namespace {

std::optional<TimelineError> error_of(std::optional<ErrorDetails> const& details) {
    if (!details) {
        return std::nullopt;
    }
    return TimelineError{details->error_code, details->error_msg};
}

std::optional<LegQuality> quality_of(std::optional<CallQuality> const& quality) {
    if (!quality) {
        return std::nullopt;
    }
    return LegQuality{quality->mos, quality->packet_loss_rate, quality->jitter};
}

void fill(std::optional<std::string>& field, std::optional<std::string> value) {
    if (!field && value) {
        field = std::move(value);
    }
}

// What one record did to the timeline.
enum class Added { nothing, event, redelivery };

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

    // A record is read back as the event it stores, through the parser that read the delivery,
    // so each type's part below works on its typed payload. A text that is not a JSON object is
    // counted as unreadable; one that is not an event record (a rejection) is skipped.
    void add(std::string const& text) {
        Json const record = Json::parse(text, nullptr, false);
        if (record.is_discarded() || !record.is_object()) {
            ++timeline_.unreadable;
            return;
        }
        ParseResult const event = parse_event_json(record);
        if (!event) {
            return;
        }
        std::string const received_at = received_at_of(record);
        Added const added = std::visit(
            [&](auto const& payload) { return add_event(payload, received_at); }, event->payload);
        if (added != Added::nothing) {
            ++(added == Added::event ? timeline_.events : timeline_.redeliveries);
        }
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
        auto const received = record.find("received");
        if (received == record.end() || !received->is_object()) {
            return "";
        }
        auto const at = received->find("at");
        return at != received->end() && at->is_string() ? at->get<std::string>() : "";
    }

    // What each type adds to a session's timeline: one overload per type that belongs to a
    // session. A type with none (VIRTUAL_NUMBER_UPDATE) is about no session and adds nothing.
    template <class Payload>
    Added add_event(Payload const& /*payload*/, std::string const& /*received_at*/) {
        return Added::nothing;
    }

    // A repeated eventId is a redelivery: 8x8 sent it again after the dedupe window forgot it.
    // The first received is kept, whatever order the records come in.
    Added add_event(CallStatus const& call, std::string const& received_at) {
        if (call.session_id != timeline_.session_id) {
            return Added::nothing;
        }
        std::size_t const index = statuses_.size();
        if (!call.event_id.empty()) {
            auto const [seen, added] = event_ids_.try_emplace(call.event_id, index);
            if (!added) {
                if (received_at < statuses_[seen->second].status.received_at) {
                    statuses_[seen->second] = status_event(call, received_at);
                }
                return Added::redelivery;
            }
        }
        statuses_.push_back(status_event(call, received_at));
        return Added::event;
    }

    static StatusEvent status_event(CallStatus const& call, std::string const& received_at) {
        StatusEvent event;
        event.call_id = call.call_id;
        event.status.call_status = call.call_status;
        event.status.timestamp = call.timestamp.value_or("");
        event.status.call_duration = call.call_duration;
        event.status.sip_code = call.sip_code;
        event.status.received_at = received_at;
        event.call_direction = call.call_direction;
        event.call_type = call.call_type;
        event.source = call.source;
        event.destination = call.destination;
        event.key = time_key(event.status.timestamp, received_at, call.event_id);
        return event;
    }

    // A session gets one summary; another one is a redelivery. The first received is kept, as
    // the postgres sink keeps the first stored, so both stores show the same one.
    Added add_event(SessionSummary const& summary, std::string const& received_at) {
        if (summary.session_id != timeline_.session_id) {
            return Added::nothing;
        }
        bool const first = !summary_;
        if (first || received_at < summary_received_at_) {
            summary_ = summary;
            summary_received_at_ = received_at;
        }
        return first ? Added::event : Added::redelivery;
    }

    // A recording reports each status once; a repeat is a redelivery, the first one is kept.
    Added add_event(CallRecordingStatus const& event, std::string const& received_at) {
        if (event.session_id != timeline_.session_id) {
            return Added::nothing;
        }
        TimelineRecording recording{event.recording_id, event.status, event.duration_seconds,
                                    event.file_path, received_at};
        auto const [seen, added] = recordings_seen_.try_emplace(
            std::pair(recording.recording_id, recording.status), timeline_.recordings.size());
        if (!added) {
            TimelineRecording& kept = timeline_.recordings[seen->second];
            if (received_at < kept.received_at) {
                kept = std::move(recording);
            }
            return Added::redelivery;
        }
        timeline_.recordings.push_back(std::move(recording));
        return Added::event;
    }

    void apply_summary(SessionSummary const& summary) {
        timeline_.summary = TimelineSummary{summary.session_status,
                                            summary.start_time,
                                            summary.end_time,
                                            summary.call_count,
                                            summary.last_action,
                                            summary.sub_account_id,
                                            error_of(summary.error_details)};
        for (CallLeg const& leg : summary.legs) {
            apply_summary_leg(leg);
        }
    }

    // The summary is the last word on a leg, so its values replace what the status updates said.
    void apply_summary_leg(CallLeg const& details) {
        TimelineLeg& leg = leg_for(details.call_id.value_or(""), details.name);
        leg.name = details.name;
        auto prefer = [](std::optional<std::string>& field,
                         std::optional<std::string> const& value) {
            if (value) {
                field = value;
            }
        };
        prefer(leg.call_direction, details.call_direction);
        prefer(leg.call_type, details.call_type);
        prefer(leg.source, details.source);
        prefer(leg.destination, details.destination);
        leg.call_status = details.call_status;
        leg.initiated_timestamp = details.initiated_timestamp;
        leg.connected_timestamp = details.connected_timestamp;
        leg.disconnected_timestamp = details.disconnected_timestamp;
        leg.call_duration = details.call_duration;
        leg.call_quality = quality_of(details.call_quality);
        leg.error_details = error_of(details.error_details);
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
    std::optional<SessionSummary> summary_;
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
