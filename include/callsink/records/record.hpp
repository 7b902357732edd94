// Encodes what callsink stores: one JSON Lines record per delivery (DESIGN.md, "Records").
// An event record is the 8x8 envelope, with 8x8's field names and nesting, plus a `received`
// object; a rejection record holds `received`, `error` and the raw body. Pure and thread-safe.
//
// Each encoder returns exactly one line: compact JSON followed by a single '\n', so a sink can
// append it with one write and a reader can split on newlines.
#pragma once

#include <string>
#include <string_view>

#include "callsink/events/event.hpp"
#include "callsink/events/parse.hpp"

namespace callsink {

// How a delivery reached callsink; callsink's own metadata, never 8x8's.
struct Received {
    std::string at;          // RFC 3339 UTC with milliseconds, e.g. "2026-11-22T18:00:00.123Z"
    std::string path;        // request path without the query, e.g. "/status"
    std::string remote;      // client address
    std::string request_id;  // unique per delivery, also sent back as X-Request-Id
};

Json to_json(Received const& received);

// The event as 8x8 sent it, normalised: numbers that came as strings are written as numbers,
// unknown fields are written unchanged, `received` is appended last.
std::string encode_event_record(Event const& event, Received const& received);

// {"received":{…},"error":{"code","message","field"},"body":"<raw body>"}. A body that is not
// valid UTF-8 cannot be a JSON string, so it is written as "body_base64" instead: never lost.
std::string encode_rejection_record(Rejection const& rejection, std::string_view body,
                                    Received const& received);

}  // namespace callsink
