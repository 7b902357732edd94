// CALL_STATUS ("VCS"): one call leg's progress, posted to /status while a masked call goes on.
// Everything callsink knows about the type is here: its fields and their leniency, with the 8x8
// page behind each rule (8x8's "Call Status (Number Masking)" page, in its 2026 text, an older
// markdown copy and a 2019 plain-text copy), and its identity.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "callsink/events/event_identity.hpp"
#include "callsink/events/field_list.hpp"

namespace callsink {

// The callStatus values all three CALL_STATUS pages list.
inline constexpr std::array<std::string_view, 6> kCallStatuses{
    "CALL_INITIATED",    "CALL_RECEIVED", "CALL_CONNECTED",
    "CALL_DISCONNECTED", "CALL_UPDATED",  "DTMF_RECEIVED",
};

inline constexpr std::array<std::string_view, 1> kCallStatusRedelivery{"eventId"};
inline constexpr std::array<SummaryField, 4> kCallStatusSummary{{
    {"session", "sessionId"},
    {"call", "callId"},
    {"status", "callStatus"},
    {"direction", "callDirection"},
}};

struct CallStatus {
    std::string event_id;     // required
    std::string call_id;      // required
    std::string session_id;   // required
    std::string call_status;  // required; CALL_INITIATED … DTMF_RECEIVED, or a newer value
    std::optional<std::string> sub_account_id;
    std::optional<std::string> call_direction;
    std::optional<std::string> call_type;
    std::optional<std::string> source;
    std::optional<std::string> destination;
    std::optional<std::string> source_format;
    std::optional<std::string> destination_format;
    std::optional<std::string> source_country_code;
    std::optional<std::string> destination_country_code;
    std::optional<std::string> source_ref_id;
    std::optional<std::string> destination_ref_id;
    std::optional<std::int64_t> call_duration;  // a number or a string of digits on the wire
    std::optional<Json> event_data;             // a string or an object, kept as received
    std::optional<std::int64_t> sip_code;       // a number or a string of digits on the wire
    std::optional<std::string> timestamp;       // RFC 3339, validated
    Json extra = Json::object();

    // Each eventId is one status update; a redelivery repeats it.
    static constexpr EventIdentity kIdentity{
        .name = "CALL_STATUS",
        .webhook = "VCS",
        .path = "/status",
        .event_id = "eventId",
        .session_id = "sessionId",
        .redelivery = kCallStatusRedelivery,
        .summary = kCallStatusSummary,
    };
};

// In the order of the documents' tables, which is also the order of their examples. The 2026 page
// sends callDuration as a number, the md page types it as a String; both read as an integer. Only
// the md and 2019 pages list sourceRefId, destinationRefId and eventData; the md page types
// eventData as a String, and an object is kept as received. The ref ids are the customer's own
// references, which may quote a number.
void visit_fields(Matching<CallStatus> auto& call, auto& fields) {
    fields.required("eventId", call.event_id);
    fields.required("callId", call.call_id);
    fields.required("sessionId", call.session_id);
    fields.optional("subAccountId", call.sub_account_id);
    fields.required("callStatus", call.call_status, {.known = kCallStatuses});
    fields.optional("callDirection", call.call_direction, {.known = kCallDirections});
    fields.optional("callType", call.call_type);
    fields.optional("source", call.source, {.privacy = Privacy::phone_number});
    fields.optional("destination", call.destination, {.privacy = Privacy::phone_number});
    fields.optional("sourceFormat", call.source_format);
    fields.optional("destinationFormat", call.destination_format);
    fields.optional("sourceCountryCode", call.source_country_code);
    fields.optional("destinationCountryCode", call.destination_country_code);
    fields.optional("sourceRefId", call.source_ref_id, {.privacy = Privacy::free_text});
    fields.optional("destinationRefId", call.destination_ref_id, {.privacy = Privacy::free_text});
    fields.optional("callDuration", call.call_duration);
    fields.string_or_object("eventData", call.event_data);
    fields.optional("sipCode", call.sip_code);
    fields.timestamp("timestamp", call.timestamp);
}

}  // namespace callsink
