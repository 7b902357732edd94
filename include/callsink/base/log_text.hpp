// Makes text from a delivery safe to put in a log line: a plain token stays as it is, anything
// else is quoted and escaped like a JSON string, so a value with a space stays one field to grep
// for, and an embedded newline cannot forge a log line.
#pragma once

#include <string>
#include <string_view>

namespace callsink {

// "-" for empty text; `value` when it is all [A-Za-z0-9_.:+@/[]-] (a field path such as
// payload.virtualNumbers[1].msisdn is one); otherwise a JSON string.
std::string log_value(std::string_view value);

// A library's error message (libpq's end in a newline and may span lines) as one line, which
// reads better after a prefix; empty for nullptr.
std::string one_line(char const* message);

}  // namespace callsink
