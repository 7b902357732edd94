// Turns the bytes of one webhook delivery into a typed Event, or into a Rejection that says what
// is wrong and where. Pure: no I/O, no logging, no clock, no globals, safe to call from any thread.
// The unit tests and the fuzzers call it directly.
//
// Leniency follows the 8x8 documents in shared/seeds/ and their disagreements (see DESIGN.md,
// "Events"): unknown fields are kept, unknown enum values are kept and noted, numbers may arrive as
// strings of digits, `null` is absent, key order is free.
#pragma once

#include <boost/system/result.hpp>
#include <string>
#include <string_view>

#include "callsink/events/event.hpp"

namespace callsink {

// Stable, machine-readable reasons; they appear in the rejects file and, later, in metrics labels.
enum class RejectCode {
    invalid_json,   // not JSON, or not UTF-8
    not_an_object,  // JSON, but the top level is not an object
    missing_field,  // a required field is absent or null
    wrong_type,     // a field has a type the documents do not allow
    invalid_value,  // right type, unusable value (e.g. "12a" for a number, a bad timestamp)
    unsupported_event_type,  // eventType is not CALL_STATUS or SESSION_SUMMARY
};

std::string_view to_string(RejectCode code);

struct Rejection {
    RejectCode code;
    std::string
        field;  // dotted path, e.g. "payload.details.callA.callDuration"; empty for the body
    std::string message;  // one sentence for a person: what was found and what was expected
};

// Lets boost::system::result<T, Rejection>::value() report a rejection as an exception.
[[noreturn]] void throw_exception_from_error(Rejection const& rejection,
                                             boost::source_location const& location);

using ParseResult = boost::system::result<Event, Rejection>;

// Parses one delivery body. eventType decides the event type, whatever path it was posted to.
ParseResult parse_event(std::string_view body);

}  // namespace callsink
