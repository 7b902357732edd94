#include "callsink/ingest.hpp"

#include <type_traits>

#include "callsink/siphash.hpp"

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
    // summary a session gets. Kept as 128 bits (two SipHash-2-4 under different keys): the window
    // holds 32 bytes per key whatever length of id a delivery brings. No secret is needed: to
    // collide with a real delivery one would have to know 8x8's future UUIDs.
    std::string const identity =
        std::holds_alternative<CallStatus>(event.payload)
            ? "CALL_STATUS " + std::get<CallStatus>(event.payload).event_id
            : "SESSION_SUMMARY " + std::get<SessionSummary>(event.payload).session_id;
    static constexpr SipKey kHigh{0x63616c6c73696e6bULL, 0x6465647570652d31ULL};
    static constexpr SipKey kLow{0x6465647570652d32ULL, 0x63616c6c73696e6bULL};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string key;
    key.reserve(32);
    for (std::uint64_t half : {siphash24(kHigh, identity), siphash24(kLow, identity)}) {
        for (int shift = 60; shift >= 0; shift -= 4) {
            key += kHex[(half >> shift) & 0xf];
        }
    }
    return key;
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
            rejection.field = privacy.scrub_text(rejection.field);  // a leg's name is a key
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
