#include "callsink/ingest/ingest.hpp"

#include "callsink/events/parse.hpp"
#include "callsink/records/event_record.hpp"
#include "callsink/records/one_pass_encoder.hpp"

namespace callsink {

Ingested ingest_delivery(std::string_view body, Received const& received,
                         MsisdnPrivacy const& privacy) {
    if (auto record = encode_one_pass(body, received, privacy)) {
        Ingested out;
        out.record = std::move(*record);
        return out;
    }
    return ingest_general(body, received, privacy);
}

Ingested ingest_general(std::string_view body, Received const& received,
                        MsisdnPrivacy const& privacy) {
    Ingested out;
    auto parsed = parse_event(body);
    if (!parsed) {
        Rejection rejection = parsed.error();
        if (privacy.enabled()) {
            rejection.message = privacy.scrub_text(rejection.message);
            rejection.field = privacy.scrub_text(rejection.field);  // a leg's name is a key
            out.record = rejection_record(rejection, privacy.scrub_text(body), received);
        } else {
            out.record = rejection_record(rejection, body, received);
        }
        out.rejection = std::move(rejection);
        return out;
    }
    Event& event = *parsed;
    RedeliveryKey const unprotected_key =
        privacy.enabled() ? payload_redelivery_key(event) : RedeliveryKey{};
    privacy.protect(event);
    out.record = event_record(event, received);
    if (unprotected_key) {
        out.record.redelivery_key = unprotected_key;
    }
    out.notes = std::move(event.notes);
    return out;
}

}  // namespace callsink
