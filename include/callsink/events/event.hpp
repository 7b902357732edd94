// The typed events callsink stores: 8x8 Number Masking's CALL_STATUS ("VCS", one call leg's
// progress) and SESSION_SUMMARY ("VSS", a masked session's outcome with every leg). Plain
// aggregates, no behaviour: parse.hpp fills them from a delivery, record.hpp writes them back out.
//
// Field names follow 8x8's JSON names in snake_case. Everything the documents in shared/seeds/
// mark optional, or that one of them omits, is std::optional; `null` in a delivery reads as
// absent. Enum-like fields (callStatus, sessionStatus, callDirection …) stay strings so a value
// 8x8 adds tomorrow is kept as received. Every object keeps the members callsink does not know in
// `extra`, in received order, because "additional parameters could be included".
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace callsink {

// Preserves key order, so a stored record reads like the delivery it came from.
using Json = nlohmann::ordered_json;

// The 8x8 wrapper around every webhook payload.
struct Envelope {
    std::optional<std::string> namespace_name;  // "namespace": "VOICE"
    std::string event_type;                     // "eventType", required
    std::optional<std::string> description;
    Json extra = Json::object();
};

// CALL_STATUS payload (call-status-2026.txt, call-status-md.txt, call-status-2019.txt).
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
};

// details.<leg>.callQuality in SESSION_SUMMARY.
struct CallQuality {
    std::optional<double> mos;
    std::optional<double> packet_loss_rate;
    std::optional<std::int64_t> jitter;
    Json extra = Json::object();
};

// errorDetails in SESSION_SUMMARY: the table says errorCode is a String, the failure example
// sends the number -2005.
struct ErrorDetails {
    std::optional<std::string> error_msg;
    std::optional<std::int64_t> error_code;
    Json extra = Json::object();
};

// One member of SESSION_SUMMARY's `details`: callA, callB, or any further leg.
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

// SESSION_SUMMARY payload (session-summary.txt).
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
};

// A note about a delivery that was accepted but deserves attention, such as an enum value none of
// the 8x8 documents lists. Counted and logged, never a reason to reject.
struct ParseNote {
    std::string field;  // dotted path, e.g. "payload.callStatus"
    std::string value;  // the value as received
};

struct Event {
    Envelope envelope;
    std::variant<CallStatus, SessionSummary> payload;
    std::vector<ParseNote> notes;
};

}  // namespace callsink
