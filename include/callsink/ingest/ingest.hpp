// Turns one delivery into the Record the pipeline stores: an event record when the body parses,
// otherwise a rejection record holding the raw body and the reason. Pure and thread-safe; the
// caller supplies the `received` metadata (time, path, client, request id).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "callsink/events/event.hpp"
#include "callsink/events/msisdn_privacy.hpp"
#include "callsink/events/parse.hpp"
#include "callsink/records/record.hpp"
#include "callsink/sinks/sink.hpp"

namespace callsink {

struct Ingested {
    Record record;
    std::optional<Rejection> rejection;  // set when the record is a rejection
    std::vector<ParseNote> notes;        // accepted, but worth a look (unknown enum values)
};

// Phone numbers are protected per `privacy` before anything is encoded: in the event's fields,
// and in a rejection's raw body and message (a body written as base64 could not be scrubbed
// afterwards).
//
// A valid delivery takes the one-pass encoder (fast_record.hpp) when privacy is off; it writes
// the same record parse_event() and encode_event_record() would.
//
// An event's Record carries a dedupe_key made of its type and eventId, or for a SESSION_SUMMARY
// its sessionId.
Ingested ingest_delivery(std::string_view body, Received const& received,
                         MsisdnPrivacy const& privacy);

}  // namespace callsink
