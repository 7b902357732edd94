// The event types callsink has typed, by the eventType that names them: how each payload is read
// into its struct (parse.cpp) and its field list as data (fast_record.cpp). One table, so a type
// added here is parsed by both paths.
#pragma once

#include <boost/system/result.hpp>
#include <span>
#include <string_view>
#include <vector>

#include "callsink/events/event.hpp"
#include "callsink/events/parse.hpp"
#include "callsink/events/field_schema.hpp"

namespace callsink {

struct EventKind {
    using Payload = decltype(Event::payload);
    using Reader = boost::system::result<Payload, Rejection> (*)(Json const&,
                                                                 std::vector<ParseNote>&);

    std::string_view event_type;
    Reader read;
    ObjectSchema const& (*schema)();
};

std::span<EventKind const> event_kinds();

// nullptr for a type callsink does not know.
EventKind const* find_event_kind(std::string_view event_type);

}  // namespace callsink
