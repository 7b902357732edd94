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

Ingested ingest_delivery(std::string_view body, Received const& received) {
    Ingested out;
    auto parsed = parse_event(body);
    if (!parsed) {
        out.record.kind = RecordKind::rejection;
        out.record.line = encode_rejection_record(parsed.error(), body, received);
        out.rejection = std::move(parsed.error());
        return out;
    }
    Event& event = *parsed;
    out.record.kind = RecordKind::event;
    out.record.line = encode_event_record(event, received);
    out.record.summary = summarize(event);
    out.notes = std::move(event.notes);
    return out;
}

}  // namespace callsink
