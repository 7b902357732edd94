// SESSION_SUMMARY ("VSS") payload <-> JSON, with 8x8's field names and nesting
// (session-summary.txt): the session, its errorDetails, and one object per leg under `details`.
#pragma once

#include <boost/system/result.hpp>
#include <vector>

#include "callsink/events/event.hpp"
#include "callsink/events/parse.hpp"
#include "callsink/events/field_schema.hpp"

namespace callsink {

// `payload` must be a JSON object; its path in messages is "payload".
boost::system::result<SessionSummary, Rejection> read_session_summary(
    Json const& payload, std::vector<ParseNote>& notes);

// Found by nlohmann through ADL: Json json = session_summary;
void to_json(Json& json, SessionSummary const& session_summary);

// The field list as data, for the one-pass encoder (fast_record.cpp).
ObjectSchema const& session_summary_schema();

}  // namespace callsink
