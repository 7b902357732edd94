// Every event type callsink has typed, in one list: the registration line below. Each type is one
// header under events/types/ holding its struct, its field list and its identity; from those the
// registry derives what the rest of the daemon reads (the parser's reader, the field list as data
// for the one-pass encoder, the names, paths, ids and summary), so a type added to the list is
// parsed, encoded, deduplicated, logged, counted and protected with nothing else to change.
//
// A type's index in EventPayload is its index in event_types() and its metrics slot.
#pragma once

#include <array>
#include <boost/system/result.hpp>
#include <cstddef>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "callsink/events/event_identity.hpp"
#include "callsink/events/field_schema.hpp"
#include "callsink/events/rejection.hpp"
#include "callsink/events/types/call_recording_status.hpp"
#include "callsink/events/types/call_status.hpp"
#include "callsink/events/types/session_summary.hpp"
#include "callsink/events/types/virtual_number_update.hpp"

namespace callsink {

// The registration line. CALL_ACTION ("VCA") is not here on purpose: it expects a callflow in
// the reply, which is not a receiver's job, so it is stored as an unsupported_event_type
// rejection like any other unknown type (docs/events.md).
using EventPayload =
    std::variant<CallStatus, SessionSummary, VirtualNumberUpdate, CallRecordingStatus>;

// The members of CALL_ACTION's payload that hold a phone number. No field list names them, since
// the type is not parsed, but its rejected bodies are stored, so privacy must find them there
// (number_field_names.hpp): the call handle sends sourceMsisdn and targetMsisdn (8x8's blog post
// "Build and Test a Call Masking Flow Using 8x8's Number Masking API").
inline constexpr std::array<std::string_view, 2> kCallActionNumberFields{"sourceMsisdn",
                                                                         "targetMsisdn"};

struct EventType {
    EventIdentity identity;
    std::size_t index;  // in event_types() and in EventPayload
    // The payload's field list as data.
    ObjectSchema const& (*schema)();
    // Reads a payload (a JSON object; "payload" in messages) into its struct.
    boost::system::result<EventPayload, Rejection> (*read)(Json const& payload,
                                                           std::vector<ParseNote>& notes);
};

std::span<EventType const> event_types();

// The types' eventType names, by index: also the event_type label of callsink_events_total and
// the other per-type counters.
std::span<std::string_view const> event_type_names();

// nullptr for a type callsink does not know.
EventType const* find_event_type(std::string_view name);

inline EventType const& event_type_of(EventPayload const& payload) {
    return event_types()[payload.index()];
}

}  // namespace callsink
