// The general path to what callsink stores (docs/records.md): a parsed Event, or a
// Rejection with the raw body, into its Record. An event record is the 8x8 envelope, with 8x8's
// field names and nesting, plus a `received` object; a rejection record holds `received`,
// `error` and the raw body. Pure and thread-safe.
//
// Each line is compact JSON followed by a single '\n', so a sink can append it with one write
// and a reader can split on newlines.
#pragma once

#include <string_view>

#include "callsink/events/event.hpp"
#include "callsink/events/rejection.hpp"
#include "callsink/records/record.hpp"

namespace callsink {

// callsink's `received` object: at, path, remote, requestId.
Json to_json(Received const& received);

// The event as 8x8 sent it, normalised: numbers that came as strings are written as numbers,
// unknown fields are written unchanged, `received` is appended last. The summary and the
// redelivery key come from the event's type (record_identity.hpp), read from the record as
// written, so phone numbers are protected (MsisdnPrivacy::protect) before this is called.
Record event_record(Event const& event, Received const& received);

// For a type identified by its whole payload (events/event_identity.hpp), the redelivery key of
// the event as it is now; zero for any other type. ingest takes it before privacy protects the
// numbers: from a masked payload, two updates that differ only in hidden digits would share a key,
// and the second would be dropped as a redelivery. The key is in memory and process-keyed only.
RedeliveryKey payload_redelivery_key(Event const& event);

// {"received":{…},"error":{"code","message","field"},"body":"<raw body>"}. A body that is not
// valid UTF-8 cannot be a JSON string, so it is written as "body_base64" instead: never lost.
Record rejection_record(Rejection const& rejection, std::string_view body,
                        Received const& received);

}  // namespace callsink
