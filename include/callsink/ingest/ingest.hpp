// Turns one delivery into the Record the pipeline stores: an event record when the body parses,
// otherwise a rejection record holding the raw body and the reason. Pure and thread-safe; the
// caller supplies the `received` metadata (time, path, client, request id).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "callsink/events/msisdn_privacy.hpp"
#include "callsink/events/rejection.hpp"
#include "callsink/records/record.hpp"

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
// A valid delivery takes the one-pass encoder (records/one_pass_encoder.hpp) where it can; it
// produces the same Record that ingest_general() would.
Ingested ingest_delivery(std::string_view body, Received const& received,
                         MsisdnPrivacy const& privacy);

// The general path alone: parse_event(), privacy on the typed event, event_record() (or the
// rejection). The one-pass encoder's tests compare against it.
Ingested ingest_general(std::string_view body, Received const& received,
                        MsisdnPrivacy const& privacy);

}  // namespace callsink
