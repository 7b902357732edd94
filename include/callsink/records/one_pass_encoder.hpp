// The hot path from a delivery's bytes to its event record, in one pass and without a JSON tree:
// each value is checked against the field lists (field_schema.hpp) and copied to the record as it
// is scanned, whitespace dropped, numbers sent as strings written as numbers, `received` appended.
//
// It is an optimisation of parse_event() + encode_event_record(), never a second definition: it
// handles only deliveries whose record it can write byte for byte as those would, and declines
// (nullopt) everything else, so the general path decides every rejection, note and corner case.
// Declined: anything not valid, an unlisted enum value, a null for a listed field, a duplicate
// key, a string escape other than \" \\ \b \f \n \r \t, a number nlohmann would rewrite (-0, more
// than 18 digits), deep nesting or large objects. tests/unit/fast_record_test.cpp and the
// parse_event fuzzer compare the two paths on every input the fast one accepts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "callsink/records/record.hpp"

namespace callsink {

// The fields the pipeline needs besides the line (log summary, redelivery key); views into the
// delivery body or the Event they were read from.
struct EventFields {
    std::string_view event_type;
    std::string_view event_id;  // CALL_STATUS only
    std::string_view session_id;
    std::string_view call_id;  // CALL_STATUS only
    std::string_view status;   // callStatus or sessionStatus
    std::string_view direction;

    friend bool operator==(EventFields const&, EventFields const&) = default;
};

// The same fields read from a parsed Event: what the general path hands the pipeline.
EventFields event_fields(Event const& event);

struct FastRecord {
    std::string line;  // exactly encode_event_record(parse_event(body), received)
    EventFields fields;
};

// Pure and thread-safe. nullopt: use parse_event() and the encoders.
std::optional<FastRecord> encode_fast_record(std::string_view body, Received const& received);

}  // namespace callsink
