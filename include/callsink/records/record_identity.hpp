// Fills in what a Record says about its event besides the line (its summary and redelivery key),
// from the event type's identity (events/event_identity.hpp). Both encoders call it, each with its
// own way to read a payload member, so the general path and the one-pass path cannot describe
// one delivery in two ways.
#pragma once

#include <string>
#include <string_view>

#include "callsink/events/event_types.hpp"
#include "callsink/records/record.hpp"

namespace callsink {

// The text a redelivery key is made from starts with the event type; each value follows with its
// length, so ("a b", "c") and ("a", "b c") never meet.
void append_identity_value(std::string& identity, std::string_view value);

// The key of a type identified by its whole payload: the event type and the payload's JSON text.
RedeliveryKey payload_redelivery_key(std::string_view event_type, std::string_view payload_text);

// `member(key, text)` sets `text` to the value of the payload's top-level text member `key`
// ("" when absent or null) and returns true, or returns false when it cannot tell (the one-pass
// encoder: an escape it does not decode). `payload()` returns the payload as stored; it is called
// only for a type whose identity is its whole payload. False when any member could not be read.
template <class Member, class Payload>
bool identify_event(EventType const& type, Member const& member, Payload const& payload,
                    Record& record) {
    EventIdentity const& identity = type.identity;
    EventSummary& summary = record.summary;
    summary.event_type = identity.name;
    summary.type_index = type.index;
    std::string_view event_id;
    std::string_view session_id;
    if ((!identity.event_id.empty() && !member(identity.event_id, event_id)) ||
        (!identity.session_id.empty() && !member(identity.session_id, session_id))) {
        return false;
    }
    summary.set_ids(event_id, session_id);
    std::string_view text;
    for (SummaryField const& field : identity.summary) {
        if (!member(field.key, text)) {
            return false;
        }
        summary.add(field.label, text);
    }
    if (identity.redelivery.empty()) {
        record.redelivery_key = payload_redelivery_key(identity.name, payload());
        return true;
    }
    std::string identity_text;
    identity_text.reserve(identity.name.size() + 128);  // the ids it takes: one allocation
    identity_text.append(identity.name);
    for (std::string_view key : identity.redelivery) {
        if (!member(key, text)) {
            return false;
        }
        append_identity_value(identity_text, text);
    }
    record.redelivery_key = make_redelivery_key(identity_text);
    return true;
}

}  // namespace callsink
