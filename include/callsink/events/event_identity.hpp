// What the daemon knows about an event type besides its fields: its names (eventType, 8x8's
// webhook type, the path of its own, the metrics label), which payload members are its event id
// and its session, what makes a redelivery the same event, and what its log line shows. Each type
// declares one, as `static constexpr EventIdentity kIdentity`, beside its field list.
//
// Every member named here is a top-level text field of the payload's list that holds no phone
// number (tests/unit/events/event_types_test.cpp checks that for every registered type).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace callsink {

// At most this many summary fields per type (records keep them in a fixed array).
inline constexpr std::size_t kMaxSummaryFields = 8;

// One `label=value` of the type's log line; the value is the payload member `key`, "-" when
// absent.
struct SummaryField {
    std::string_view label;
    std::string_view key;
};

struct EventIdentity {
    std::string_view name;          // eventType, e.g. "CALL_STATUS"
    std::string_view webhook;       // 8x8's webhook type, e.g. "VCS"
    std::string_view path;          // its own path, e.g. "/status"; POST / takes every type
    std::string_view event_id;      // the member holding its event id; "" when it has none
    std::string_view session_id;    // the member naming its session; "" when it has none
    // The members whose values, with the eventType, identify a redelivery of the same event
    // (8x8 says duplicates can occur). Empty: the whole payload, as the record writes it before
    // privacy protects its numbers, is the identity.
    std::span<std::string_view const> redelivery;
    std::span<SummaryField const> summary;  // the log line's fields, in order
};

}  // namespace callsink
