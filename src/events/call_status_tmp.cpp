#include "callsink/events/types/call_status.hpp"

#include <array>
#include <string_view>

#include "callsink/events/fields.hpp"

namespace callsink {
namespace {

// The callStatus values all three CALL_STATUS pages list.
constexpr std::array<std::string_view, 6> kCallStatuses{
    "CALL_INITIATED",    "CALL_RECEIVED", "CALL_CONNECTED",
    "CALL_DISCONNECTED", "CALL_UPDATED",  "DTMF_RECEIVED",
};

}  // namespace

// In the order of the documents' tables, which is also the order of their examples. The 2026 page
// sends callDuration as a number, the md page types it as a String; both read as an integer. Only
// the md and 2019 pages list sourceRefId, destinationRefId and eventData.
void visit_fields(Matching<CallStatus> auto& call, auto& fields) {
    fields.required("eventId", call.event_id);
    fields.required("callId", call.call_id);
    fields.required("sessionId", call.session_id);
    fields.optional("subAccountId", call.sub_account_id);
    fields.required("callStatus", call.call_status, kCallStatuses);
    fields.optional("callDirection", call.call_direction, kCallDirections);
    fields.optional("callType", call.call_type);
    fields.optional("source", call.source);
    fields.optional("destination", call.destination);
    fields.optional("sourceFormat", call.source_format);
    fields.optional("destinationFormat", call.destination_format);
    fields.optional("sourceCountryCode", call.source_country_code);
    fields.optional("destinationCountryCode", call.destination_country_code);
    fields.optional("sourceRefId", call.source_ref_id);
    fields.optional("destinationRefId", call.destination_ref_id);
    fields.optional("callDuration", call.call_duration);
    fields.string_or_object("eventData", call.event_data);
    fields.optional("sipCode", call.sip_code);
    fields.timestamp("timestamp", call.timestamp);
}

boost::system::result<CallStatus, Rejection> read_call_status(Json const& payload,
                                                              std::vector<ParseNote>& notes) {
    return read_object<CallStatus>(payload, "payload", notes);
}

void to_json(Json& json, CallStatus const& call_status) {
    json = write_object(call_status);
}

ObjectSchema const& call_status_schema() {
    return schema_of<CallStatus>();
}

}  // namespace callsink
