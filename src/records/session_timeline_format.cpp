#include "callsink/records/session_timeline_format.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>

#include "callsink/base/log_text.hpp"

namespace callsink {
namespace {

using Json = nlohmann::ordered_json;

// --- text --------------------------------------------------------------------------------------

// Every value came from a delivery. Printable ASCII without spaces or quotes is shown as it is
// (a masked number, "+65****2048", too); anything else is quoted and escaped by log_value, so a
// status with a space stays one column and a stored newline or escape sequence cannot fake a line
// of the timeline or drive the terminal.
std::string shown(std::string const& value) {
    bool const plain = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
        return c > ' ' && c < 0x7f && c != '"' && c != '\\';
    });
    return plain ? value : log_value(value);
}

std::string shown(std::optional<std::string> const& value) {
    return shown(value.value_or(""));
}

// Shortest text that reads back as the same double ("4.5", "0.0"), as in the records.
std::string decimal_text(double value) {
    return Json(value).dump();
}

std::string counted(std::size_t count, char const* one, char const* many) {
    return std::to_string(count) + " " + (count == 1 ? one : many);
}

void append_list_item(std::string& out, std::string const& item) {
    out += out.empty() ? item : ", " + item;
}

std::string padded(std::string text, std::size_t width) {
    if (text.size() < width) {
        text.append(width - text.size(), ' ');
    }
    return text;
}

std::string error_text(TimelineError const& error) {
    std::string text = error.error_code ? std::to_string(*error.error_code) : "-";
    if (error.error_msg) {
        text += " " + shown(*error.error_msg);
    }
    return text;
}

// 8x8 sends callDuration 0 and sipCode 200 with every status until something happens: only
// what differs from that is worth a column (the JSON has every value).
std::string status_line(LegStatus const& status) {
    std::string details;
    if (status.call_duration.value_or(0) != 0) {
        append_list_item(details, std::to_string(*status.call_duration) + " s");
    }
    if (status.sip_code.value_or(200) != 200) {
        append_list_item(details, "sip " + std::to_string(*status.sip_code));
    }
    std::string const at = status.timestamp.empty() ? "(no time)" : shown(status.timestamp);
    std::string line = "  " + padded(at, 24) + "  " + shown(status.call_status);
    if (!details.empty()) {
        line = padded(std::move(line), 2 + 24 + 2 + 17) + "  " + details;
    }
    return line + "\n";
}

std::string outcome_line(TimelineLeg const& leg) {
    std::string times;
    if (leg.initiated_timestamp) {
        append_list_item(times, "initiated " + shown(leg.initiated_timestamp));
    }
    if (leg.connected_timestamp) {
        append_list_item(times, "connected " + shown(leg.connected_timestamp));
    }
    if (leg.disconnected_timestamp) {
        append_list_item(times, "disconnected " + shown(leg.disconnected_timestamp));
    }
    std::string line = "  outcome  " + shown(leg.call_status);
    if (leg.call_duration) {
        line += " after " + std::to_string(*leg.call_duration) + " s";
    }
    return line + (times.empty() ? "" : ": " + times) + "\n";
}

std::string quality_line(LegQuality const& quality) {
    std::string items;
    if (quality.mos) {
        append_list_item(items, "mos " + decimal_text(*quality.mos));
    }
    if (quality.packet_loss_rate) {
        append_list_item(items, "packet loss " + decimal_text(*quality.packet_loss_rate));
    }
    if (quality.jitter) {
        append_list_item(items, "jitter " + std::to_string(*quality.jitter));
    }
    return "  quality  " + (items.empty() ? std::string("-") : items) + "\n";
}

std::string leg_text(TimelineLeg const& leg) {
    std::string out = leg.name.empty() ? "leg" : shown(leg.name);
    out += "  call " + shown(leg.call_id);
    for (auto const* word : {&leg.call_direction, &leg.call_type}) {
        if (*word) {
            out += "  " + shown(**word);
        }
    }
    if (leg.source || leg.destination) {
        out += "  " + shown(leg.source) + " -> " + shown(leg.destination);
    }
    out += "\n";
    for (LegStatus const& status : leg.statuses) {
        out += status_line(status);
    }
    if (leg.call_status || leg.call_duration || leg.initiated_timestamp) {
        out += outcome_line(leg);
    }
    if (leg.call_quality) {
        out += quality_line(*leg.call_quality);
    }
    if (leg.error_details) {
        out += "  error    " + error_text(*leg.error_details) + "\n";
    }
    return out;
}

std::string summary_text(std::optional<TimelineSummary> const& summary) {
    if (!summary) {
        return "summary  none stored: the session may not have ended\n";
    }
    std::string items;
    if (summary->start_time || summary->end_time) {
        append_list_item(items, shown(summary->start_time) + " to " + shown(summary->end_time));
    }
    if (summary->call_count) {
        append_list_item(items, std::to_string(*summary->call_count) +
                                    (*summary->call_count == 1 ? " call" : " calls"));
    }
    if (summary->last_action) {
        append_list_item(items, "last action " + shown(summary->last_action));
    }
    std::string out = "summary  " + shown(summary->session_status);
    out += items.empty() ? "\n" : ", " + items + "\n";
    if (summary->error_details) {
        out += "  error  " + error_text(*summary->error_details) + "\n";
    }
    return out;
}

std::string recording_text(TimelineRecording const& recording) {
    std::string out = "recording " + shown(recording.recording_id) + "  " + shown(recording.status);
    if (recording.duration_seconds) {
        out += ", " + std::to_string(*recording.duration_seconds) + " s";
    }
    if (recording.file_path) {
        out += ", " + shown(recording.file_path);
    }
    return out + "  (received " + shown(recording.received_at) + ")\n";
}

// --- JSON --------------------------------------------------------------------------------------

template <typename T>
void put(Json& object, char const* key, std::optional<T> const& value) {
    if (value) {
        object[key] = *value;
    }
}

Json error_json(TimelineError const& error) {
    Json out = Json::object();
    put(out, "errorCode", error.error_code);
    put(out, "errorMsg", error.error_msg);
    return out;
}

Json leg_json(TimelineLeg const& leg) {
    Json out = Json::object();
    if (!leg.name.empty()) {
        out["leg"] = leg.name;
    }
    out["callId"] = leg.call_id;
    put(out, "callDirection", leg.call_direction);
    put(out, "callType", leg.call_type);
    put(out, "source", leg.source);
    put(out, "destination", leg.destination);
    Json statuses = Json::array();
    for (LegStatus const& status : leg.statuses) {
        Json item = {{"callStatus", status.call_status}};
        if (!status.timestamp.empty()) {
            item["timestamp"] = status.timestamp;
        }
        put(item, "callDuration", status.call_duration);
        put(item, "sipCode", status.sip_code);
        statuses.push_back(std::move(item));
    }
    out["statuses"] = std::move(statuses);
    put(out, "callStatus", leg.call_status);
    put(out, "initiatedTimestamp", leg.initiated_timestamp);
    put(out, "connectedTimestamp", leg.connected_timestamp);
    put(out, "disconnectedTimestamp", leg.disconnected_timestamp);
    put(out, "callDuration", leg.call_duration);
    if (leg.call_quality) {
        Json quality = Json::object();
        put(quality, "mos", leg.call_quality->mos);
        put(quality, "packetLossRate", leg.call_quality->packet_loss_rate);
        put(quality, "jitter", leg.call_quality->jitter);
        out["callQuality"] = std::move(quality);
    }
    if (leg.error_details) {
        out["errorDetails"] = error_json(*leg.error_details);
    }
    return out;
}

// Every error of the session in one list, the session's own first, then each leg's by name.
Json errors_json(SessionTimeline const& timeline) {
    Json errors = Json::array();
    if (timeline.summary && timeline.summary->error_details) {
        errors.push_back(error_json(*timeline.summary->error_details));
    }
    for (TimelineLeg const& leg : timeline.legs) {
        if (leg.error_details) {
            Json error = {{"leg", leg.name.empty() ? leg.call_id : leg.name}};
            error.update(error_json(*leg.error_details));
            errors.push_back(std::move(error));
        }
    }
    return errors;
}

Json summary_json(SessionTimeline const& timeline) {
    if (!timeline.summary) {
        return nullptr;
    }
    TimelineSummary const& summary = *timeline.summary;
    Json out = {{"sessionStatus", summary.session_status}};
    put(out, "startTime", summary.start_time);
    put(out, "endTime", summary.end_time);
    put(out, "callCount", summary.call_count);
    put(out, "lastAction", summary.last_action);
    put(out, "subAccountId", summary.sub_account_id);
    out["errors"] = errors_json(timeline);
    return out;
}

Json recording_json(TimelineRecording const& recording) {
    Json out = {{"recordingId", recording.recording_id}, {"status", recording.status}};
    put(out, "durationSeconds", recording.duration_seconds);
    put(out, "filePath", recording.file_path);
    out["receivedAt"] = recording.received_at;
    return out;
}

}  // namespace

std::string session_timeline_text(SessionTimeline const& timeline) {
    std::string out = "session " + shown(timeline.session_id) + ": " +
                      counted(timeline.events, "event", "events");
    if (timeline.redeliveries > 0) {
        out += " (and " + counted(timeline.redeliveries, "redelivery", "redeliveries") +
               ", not shown)";
    }
    out += "\n";
    for (TimelineLeg const& leg : timeline.legs) {
        // Appended in two steps: `"\n" + text` builds a string only to copy it, and GCC 12 at
        // -O3 warns falsely (-Wrestrict) about the insert it makes.
        out += '\n';
        out += leg_text(leg);
    }
    out += '\n';
    out += summary_text(timeline.summary);
    if (!timeline.recordings.empty()) {
        out += "\n";
    }
    for (TimelineRecording const& recording : timeline.recordings) {
        out += recording_text(recording);
    }
    return out;
}

std::string session_timeline_json(SessionTimeline const& timeline) {
    Json out = {{"sessionId", timeline.session_id}};
    Json legs = Json::array();
    for (TimelineLeg const& leg : timeline.legs) {
        legs.push_back(leg_json(leg));
    }
    out["legs"] = std::move(legs);
    out["summary"] = summary_json(timeline);
    Json recordings = Json::array();
    for (TimelineRecording const& recording : timeline.recordings) {
        recordings.push_back(recording_json(recording));
    }
    out["recordings"] = std::move(recordings);
    // Replace, not throw, on invalid UTF-8: records hold valid UTF-8, but this is not the place
    // to find out otherwise.
    return out.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace callsink
