// Protects every phone number a typed Event carries, walking each object's field list (the same
// visit_fields list the parser reads) and applying the privacy it marks on each field
// (field_list.hpp):
//   - MsisdnPrivacy::protect_number on each text field marked Privacy::phone_number (CALL_STATUS
//     source and destination, the same on every SESSION_SUMMARY leg, each virtual number's
//     msisdn);
//   - MsisdnPrivacy::scrub_text on each text field marked Privacy::free_text (the envelope
//     description, the ref ids, every errorMsg, a virtual number's referenceId);
//   - what no list names, `extra` and eventData, at any depth: protect_number on the values of
//     members named like a number field (number_field_names.hpp, any letter case), where a
//     number value becomes a protected string, and scrub_text on every other string;
//   - scrub_text on every note's value.
// Object keys, ids, statuses and timestamps are left as they are.
#pragma once

#include "callsink/events/event.hpp"

namespace callsink {

class MsisdnPrivacy;

// `privacy`'s policy is not clear.
void protect_event_numbers(Event& event, MsisdnPrivacy const& privacy);

}  // namespace callsink
