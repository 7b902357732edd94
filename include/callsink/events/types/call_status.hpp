// CALL_STATUS ("VCS") payload <-> JSON, with 8x8's field names (call-status-2026.txt,
// call-status-md.txt, call-status-2019.txt).
#pragma once

#include <boost/system/result.hpp>
#include <vector>

#include "callsink/events/event.hpp"
#include "callsink/events/parse.hpp"
#include "callsink/events/field_schema.hpp"

namespace callsink {

// `payload` must be a JSON object; its path in messages is "payload".
boost::system::result<CallStatus, Rejection> read_call_status(Json const& payload,
                                                              std::vector<ParseNote>& notes);

// Found by nlohmann through ADL: Json json = call_status;
void to_json(Json& json, CallStatus const& call_status);

// The field list as data, for the one-pass encoder (fast_record.cpp).
ObjectSchema const& call_status_schema();

}  // namespace callsink
