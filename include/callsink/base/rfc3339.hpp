// RFC 3339 timestamps as 8x8 sends them: "2026-01-06T10:17:19.375Z" (call-status-2026.txt, with
// milliseconds) and "2019-10-16T08:12:01Z" (call-status-md.txt and session-summary.txt, without).
#pragma once

#include <string_view>

namespace callsink::rfc3339 {

// date-time from RFC 3339 section 5.6: the separator may be 'T', 't' or a space (the note under
// the grammar allows it), the offset 'Z', 'z' or +hh:mm / -hh:mm; fractional seconds are optional.
// Calendar ranges are checked (month, day of month with leap years, hour, minute, second <= 60).
bool is_timestamp(std::string_view text);

}  // namespace callsink::rfc3339
