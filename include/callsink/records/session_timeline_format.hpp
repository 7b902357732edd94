// How `callsink session` shows a SessionTimeline (session_timeline.hpp): as text for a person (each
// leg with its statuses, in time order, then the summary and the recordings), or as one JSON
// object for a script, with 8x8's field names wherever 8x8 has one. The JSON holds the timeline
// alone, nothing about where it was read from, so a session reads the same from every store.
//
// Pure: a timeline in, text out.
#pragma once

#include <string>

#include "callsink/records/session_timeline.hpp"

namespace callsink {

// Lines ending in '\n'.
std::string session_timeline_text(SessionTimeline const& timeline);

// One JSON object and a '\n'. Absent values are left out, as in the records; a session without a
// summary yet has "summary": null.
std::string session_timeline_json(SessionTimeline const& timeline);

}  // namespace callsink
