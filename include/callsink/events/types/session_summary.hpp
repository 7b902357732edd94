// SESSION_SUMMARY ("VSS"): the outcome of a masked session, posted to /summary once it ends,
// with every leg, its call quality and error details (8x8's "Session Summary (Number Masking)").
// Everything callsink knows about the type is here: its fields, their leniency and its identity.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/events/event_identity.hpp"
#include "callsink/events/field_list.hpp"

namespace callsink {

// session-summary.txt lists these for sessionStatus. Its leg table leaves out ERROR, but the
// failure example's leg sends it, so legs share the list. NO_ANSWER is the spelling the other
// statuses' underscores suggest; both are known.
inline constexpr std::array<std::string_view, 7> kSessionStatuses{
    "COMPLETED", "NO ANSWER", "NO_ANSWER", "BUSY", "CANCELED", "FAILED", "ERROR",
};

inline constexpr std::array<std::string_view, 1> kSessionSummaryRedelivery{"sessionId"};
inline constexpr std::array<SummaryField, 2> kSessionSummarySummary{{
    {"session", "sessionId"},
    {"status", "sessionStatus"},
}};

// details.<leg>.callQuality.
struct CallQuality {
    std::optional<double> mos;
    std::optional<double> packet_loss_rate;
    std::optional<std::int64_t> jitter;
    Json extra = Json::object();
};

// errorDetails: the table says errorCode is a String, the failure example sends the number -2005.
struct ErrorDetails {
    std::optional<std::string> error_msg;
    std::optional<std::int64_t> error_code;
    Json extra = Json::object();
};

// One member of `details`: callA, callB, or any further leg.
struct CallLeg {
    std::string name;  // the key under `details`, e.g. "callA"
    std::optional<std::string> call_id;
    std::optional<std::string> call_direction;
    std::optional<std::string> call_type;
    std::optional<std::string> initiated_timestamp;
    std::optional<std::string> connected_timestamp;
    std::optional<std::string> disconnected_timestamp;
    std::optional<std::string> source;
    std::optional<std::string> destination;
    std::optional<std::string> source_format;
    std::optional<std::string> destination_format;
    std::optional<std::string> source_country_code;
    std::optional<std::string> destination_country_code;
    std::optional<std::string> source_ref_id;
    std::optional<std::string> destination_ref_id;
    std::optional<std::string> call_status;  // COMPLETED, NO ANSWER, BUSY … or a newer value
    std::optional<std::int64_t> call_duration;
    std::optional<CallQuality> call_quality;
    std::optional<ErrorDetails> error_details;
    Json extra = Json::object();
};

struct SessionSummary {
    std::string session_id;      // required
    std::string session_status;  // required; COMPLETED, NO ANSWER, BUSY, CANCELED, FAILED, ERROR …
    std::optional<std::string> sub_account_id;
    std::optional<std::string> start_time;
    std::optional<std::string> end_time;
    std::optional<std::string> last_action;
    std::optional<std::int64_t> call_count;
    std::vector<CallLeg> legs;  // `details`, in received order; empty when absent
    std::optional<ErrorDetails> error_details;
    Json extra = Json::object();

    // A session gets one summary; a redelivery repeats its sessionId.
    static constexpr EventIdentity kIdentity{
        .name = "SESSION_SUMMARY",
        .webhook = "VSS",
        .path = "/summary",
        .event_id = "",
        .session_id = "sessionId",
        .redelivery = kSessionSummaryRedelivery,
        .summary = kSessionSummarySummary,
    };
};

void visit_fields(Matching<CallQuality> auto& quality, auto& fields) {
    fields.optional("mos", quality.mos);  // Floats in the table; a numeric string reads as one
    fields.optional("packetLossRate", quality.packet_loss_rate);
    fields.optional("jitter", quality.jitter);
}

// errorMsg is 8x8's text, which may quote a number.
void visit_fields(Matching<ErrorDetails> auto& error, auto& fields) {
    fields.optional("errorMsg", error.error_msg, {.privacy = Privacy::free_text});
    fields.optional("errorCode", error.error_code);
}

// The table nests errorDetails at the session level but calls it "all call leg errors", so a leg
// may carry its own as well.
void visit_fields(Matching<CallLeg> auto& leg, auto& fields) {
    fields.optional("callId", leg.call_id);
    fields.optional("callDirection", leg.call_direction, {.known = kCallDirections});
    fields.optional("callType", leg.call_type);
    fields.timestamp("initiatedTimestamp", leg.initiated_timestamp);
    fields.timestamp("connectedTimestamp", leg.connected_timestamp);
    fields.timestamp("disconnectedTimestamp", leg.disconnected_timestamp);
    fields.optional("source", leg.source, {.privacy = Privacy::phone_number});
    fields.optional("destination", leg.destination, {.privacy = Privacy::phone_number});
    fields.optional("sourceFormat", leg.source_format);
    fields.optional("destinationFormat", leg.destination_format);
    fields.optional("sourceCountryCode", leg.source_country_code);
    fields.optional("destinationCountryCode", leg.destination_country_code);
    fields.optional("sourceRefId", leg.source_ref_id, {.privacy = Privacy::free_text});
    fields.optional("destinationRefId", leg.destination_ref_id, {.privacy = Privacy::free_text});
    fields.optional("callStatus", leg.call_status, {.known = kSessionStatuses});
    fields.optional("callDuration", leg.call_duration);
    fields.object("callQuality", leg.call_quality);
    fields.object("errorDetails", leg.error_details);
}

// `details` holds callA, callB and any further leg, in received order (the success example sends
// callB first).
void visit_fields(Matching<SessionSummary> auto& summary, auto& fields) {
    fields.required("sessionId", summary.session_id);
    fields.optional("subAccountId", summary.sub_account_id);
    fields.required("sessionStatus", summary.session_status, {.known = kSessionStatuses});
    fields.timestamp("startTime", summary.start_time);
    fields.timestamp("endTime", summary.end_time);
    fields.optional("lastAction", summary.last_action);
    fields.optional("callCount", summary.call_count);
    fields.object("errorDetails", summary.error_details);
    fields.named_objects("details", summary.legs);
}

}  // namespace callsink
