// Turns the bytes of one webhook delivery into a typed Event, or into a Rejection that says what
// is wrong and where. Pure: no I/O, no logging, no clock, no globals, safe to call from any thread.
// The unit tests and the fuzzers call it directly.
//
// Leniency follows 8x8's Number Masking pages and their disagreements (docs/events.md, "Rules
// for every type"): unknown fields are kept, unknown enum values are kept and noted, numbers may
// arrive as strings of digits, `null` is absent, key order is free.
#pragma once

#include <boost/system/result.hpp>
#include <string>
#include <string_view>

#include "callsink/events/event.hpp"
#include "callsink/events/rejection.hpp"

namespace callsink {

using ParseResult = boost::system::result<Event, Rejection>;

// Parses one delivery body. eventType decides the event type, whatever path it was posted to.
// The types are those of event_types.hpp.
ParseResult parse_event(std::string_view body);

// The same, for a body already read as JSON: a stored record's, read back (records.md), whose
// own members (`received`) are kept as unknown members of the envelope.
ParseResult parse_event_json(Json const& body);

}  // namespace callsink
