// The hot path from a delivery's bytes to its event record, in one pass and without a JSON tree:
// each value is checked against its type's field list (events/field_schema.hpp) and copied to the
// record as it is scanned, whitespace dropped, numbers sent as strings written as numbers,
// `received` appended.
//
// It is a second route to the result of parse_event() + event_record(), never a second
// definition: it handles only deliveries whose Record it can produce byte for byte as those
// would, and declines (nullopt) everything else, so the general path decides every rejection,
// note and corner case. Declined: anything not valid, an unlisted enum value, a null for a listed
// field, a duplicate key, a string escape other than \" \\ \b \f \n \r \t (and any escape in a
// value the record's summary or redelivery key reads), a number nlohmann would rewrite (-0, more
// than 18 digits), and nesting or sizes beyond this path's capacities (one_pass_capacities.hpp),
// which are not the limits on what callsink accepts (events/json_limits.hpp).
// tests/unit/records/one_pass_encoder_test.cpp and the parse_event fuzzer compare the two routes on
// every input this one accepts, in every privacy mode.
//
// With [privacy] on, numbers are protected as values are copied, driven by the same field list:
// a field marked phone_number gets protect_number, one marked free_text gets scrub_text
// (events/msisdn_privacy.hpp), exactly as MsisdnPrivacy::protect does on the typed event. What
// protect() handles by walking unknown JSON (members the list does not name, eventData) and a
// type identified by its whole payload (whose key is taken before privacy) are declined.
#pragma once

#include <optional>
#include <string_view>

#include "callsink/events/msisdn_privacy.hpp"
#include "callsink/records/record.hpp"

namespace callsink {

// Pure and thread-safe. nullopt: use parse_event(), MsisdnPrivacy::protect() and event_record().
std::optional<Record> encode_one_pass(std::string_view body, Received const& received,
                                      MsisdnPrivacy const& privacy);
std::optional<Record> encode_one_pass(std::string_view body, Received const& received);

}  // namespace callsink
