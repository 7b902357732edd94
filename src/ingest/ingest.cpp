#include "callsink/ingest/ingest.hpp"

#include <string>

#include "callsink/pipeline/dedupe_window.hpp"
#include "callsink/records/one_pass_encoder.hpp"

namespace callsink {

namespace {

EventSummary summarize(EventFields const& fields) {
    return EventSummary{std::string(fields.event_type), std::string(fields.session_id),
                        std::string(fields.call_id), std::string(fields.status),
                        std::string(fields.direction)};
}

// The id 8x8 keeps across redeliveries: eventId for a status update, sessionId for the one
// summary a session gets, with the type so that the two id spaces cannot meet.
DedupeKey dedupe_key(EventFields const& fields) {
    std::string identity(fields.event_type);
    identity += ' ';
    identity += fields.event_type == "CALL_STATUS" ? fields.event_id : fields.session_id;
    return make_dedupe_key(identity);
}

void describe_event(EventFields const& fields, Record& record) {
    record.kind = RecordKind::event;
    record.summary = summarize(fields);
    record.dedupe_key = dedupe_key(fields);
}

}  // namespace

Ingested ingest_delivery(std::string_view body, Received const& received,
                         MsisdnPrivacy const& privacy) {
    Ingested out;
    if (!privacy.enabled()) {
        if (auto fast = encode_fast_record(body, received)) {
            out.record.line = std::move(fast->line);
            describe_event(fast->fields, out.record);
            return out;
        }
    }
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
    out.record.line = encode_event_record(event, received);
    describe_event(event_fields(event), out.record);
    out.notes = std::move(event.notes);
    return out;
}

}  // namespace callsink
