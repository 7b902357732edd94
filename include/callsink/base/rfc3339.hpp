// RFC 3339 timestamps as 8x8 sends them: "2026-01-06T10:17:19.375Z" (call-status-2026.txt, with
// milliseconds) and "2019-10-16T08:12:01Z" (call-status-md.txt and session-summary.txt, without).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace callsink::rfc3339 {

// date-time from RFC 3339 section 5.6: the separator may be 'T', 't' or a space (the note under
// the grammar allows it), the offset 'Z', 'z' or +hh:mm / -hh:mm; fractional seconds are optional.
// Calendar ranges are checked (month, day of month with leap years, hour, minute, second <= 60).
bool is_timestamp(std::string_view text);

// A timestamp is_timestamp accepts, as milliseconds since 1970-01-01T00:00:00Z (fraction digits
// past the third dropped, a leap second read as the next second's start); nullopt for any other
// text. For ordering events whose times come in different forms and offsets.
std::optional<std::int64_t> to_unix_ms(std::string_view text);

}  // namespace callsink::rfc3339
