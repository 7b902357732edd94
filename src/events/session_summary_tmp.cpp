#include "callsink/events/types/session_summary.hpp"

#include <array>
#include <string_view>

#include "callsink/events/fields.hpp"

namespace callsink {
namespace {

// session-summary.txt lists these for sessionStatus. Its leg table leaves out ERROR, but the
// failure example's leg sends it, so legs share the list. NO_ANSWER is the spelling the other
// statuses' underscores suggest; both are known.
constexpr std::array<std::string_view, 7> kSessionStatuses{
    "COMPLETED", "NO ANSWER", "NO_ANSWER", "BUSY", "CANCELED", "FAILED", "ERROR",
};

}  // namespace

void visit_fields(Matching<CallQuality> auto& quality, auto& fields) {
    fields.optional("mos", quality.mos);
    fields.optional("packetLossRate", quality.packet_loss_rate);
    fields.optional("jitter", quality.jitter);
}

// The table types errorCode as a String; the failure example sends the number -2005.
void visit_fields(Matching<ErrorDetails> auto& error, auto& fields) {
    fields.optional("errorMsg", error.error_msg);
    fields.optional("errorCode", error.error_code);
}

// The table nests errorDetails at the session level but calls it "all call leg errors", so a leg
// may carry its own as well.
void visit_fields(Matching<CallLeg> auto& leg, auto& fields) {
    fields.optional("callId", leg.call_id);
    fields.optional("callDirection", leg.call_direction, kCallDirections);
    fields.optional("callType", leg.call_type);
    fields.timestamp("initiatedTimestamp", leg.initiated_timestamp);
    fields.timestamp("connectedTimestamp", leg.connected_timestamp);
    fields.timestamp("disconnectedTimestamp", leg.disconnected_timestamp);
    fields.optional("source", leg.source);
    fields.optional("destination", leg.destination);
    fields.optional("sourceFormat", leg.source_format);
    fields.optional("destinationFormat", leg.destination_format);
    fields.optional("sourceCountryCode", leg.source_country_code);
    fields.optional("destinationCountryCode", leg.destination_country_code);
    fields.optional("sourceRefId", leg.source_ref_id);
    fields.optional("destinationRefId", leg.destination_ref_id);
    fields.optional("callStatus", leg.call_status, kSessionStatuses);
    fields.optional("callDuration", leg.call_duration);
    fields.object("callQuality", leg.call_quality);
    fields.object("errorDetails", leg.error_details);
}

// `details` holds callA, callB and any further leg, in received order (the success example sends
// callB first).
void visit_fields(Matching<SessionSummary> auto& summary, auto& fields) {
    fields.required("sessionId", summary.session_id);
    fields.optional("subAccountId", summary.sub_account_id);
    fields.required("sessionStatus", summary.session_status, kSessionStatuses);
    fields.timestamp("startTime", summary.start_time);
    fields.timestamp("endTime", summary.end_time);
    fields.optional("lastAction", summary.last_action);
    fields.optional("callCount", summary.call_count);
    fields.object("errorDetails", summary.error_details);
    fields.named_objects("details", summary.legs);
}

boost::system::result<SessionSummary, Rejection> read_session_summary(
    Json const& payload, std::vector<ParseNote>& notes) {
    return read_object<SessionSummary>(payload, "payload", notes);
}

void to_json(Json& json, SessionSummary const& session_summary) {
    json = write_object(session_summary);
}

ObjectSchema const& session_summary_schema() {
    return schema_of<SessionSummary>();
}

}  // namespace callsink
