#include "callsink/ingest.hpp"

#include <type_traits>

namespace callsink {

EventSummary summarize(Event const& event) {
    EventSummary summary;
    summary.event_type = event.envelope.event_type;
    std::visit(
        [&summary](auto const& payload) {
            using Payload = std::decay_t<decltype(payload)>;
            summary.session_id = payload.session_id;
            if constexpr (std::is_same_v<Payload, CallStatus>) {
                summary.call_id = payload.call_id;
                summary.status = payload.call_status;
                summary.direction = payload.call_direction.value_or("");
            } else {
                summary.status = payload.session_status;
            }
        },
        event.payload);
    return summary;
}

std::string dedupe_key(Event const& event) {
    // The id 8x8 keeps across redeliveries: eventId for a status update, sessionId for the one
    // summary a session gets.
    if (auto const* status = std::get_if<CallStatus>(&event.payload)) {
        return "CALL_STATUS " + status->event_id;
    }
    return "SESSION_SUMMARY " + std::get<SessionSummary>(event.payload).session_id;
}

Ingested ingest_delivery(std::string_view body, Received const& received,
                         MsisdnPrivacy const& privacy) {
    Ingested out;
    auto parsed = parse_event(body);
    if (!parsed) {
        Rejection rejection = parsed.error();
        out.record.kind = RecordKind::rejection;
        if (privacy.enabled()) {
            rejection.message = privacy.scrub_text(rejection.message);
            out.record.line =
                encode_rejection_record(rejection, privacy.scrub_text(body), received);
        } else {
            out.record.line = encode_rejection_record(rejection, body, received);
        }
        out.rejection = std::move(rejection);
        return out;
    }
    Event& event = *parsed;
    privacy.protect(event);
    out.record.kind = RecordKind::event;
    out.record.line = encode_event_record(event, received);
    out.record.summary = summarize(event);
    out.record.dedupe_key = dedupe_key(event);
    out.notes = std::move(event.notes);
    return out;
}

}  // namespace callsink
