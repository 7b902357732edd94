// A typed delivery: the 8x8 envelope around one payload of a registered event type
// (event_types.hpp), as parse_event() builds it and the record encoder writes it. Plain
// aggregates, no behaviour.
//
// Field names follow 8x8's JSON names in snake_case. Everything the documents mark optional, or
// that one of them omits, is std::optional; `null` in a delivery reads as absent. Enum-like fields
// stay strings so a value 8x8 adds tomorrow is kept as received. Every object keeps the members
// callsink does not know in `extra`, in received order, because "additional parameters could be
// included".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "callsink/events/event_types.hpp"
#include "callsink/events/field_list.hpp"
#include "callsink/events/rejection.hpp"

namespace callsink {

// The 8x8 wrapper around every webhook payload: the same three fields on every page.
struct Envelope {
    std::optional<std::string> namespace_name;  // "namespace": "VOICE"
    std::string event_type;                     // "eventType", required
    std::optional<std::string> description;
    Json extra = Json::object();
};

// `payload` is not in the list: its type depends on eventType, so parse.cpp reads it and
// records/event_record.cpp writes it.
void visit_fields(Matching<Envelope> auto& envelope, auto& fields) {
    fields.optional("namespace", envelope.namespace_name);
    fields.required("eventType", envelope.event_type);
    fields.optional("description", envelope.description, {.privacy = Privacy::free_text});
}

struct Event {
    Envelope envelope;
    EventPayload payload;
    std::vector<ParseNote> notes;

    EventType const& type() const { return event_type_of(payload); }
};

}  // namespace callsink
