// Finds the phone numbers in raw text and protects each with MsisdnPrivacy::protect_number: a
// rejected body (JSON that may not parse or may be cut short), a rejection message, a log line, a
// free-text field. Nothing here knows a type: what counts as a number field comes from the field
// lists (number_field_names.hpp).
//
// One left-to-right pass, linear time, any bytes (invalid UTF-8, NULs); throws nothing but
// std::bad_alloc. Replaced with protect_number's result:
//   - a plus sign followed by 7 or more digits, where up to two separators (' ', '-', '.',
//     '(', ')') may sit between digits: "+6591178965", "+65 9117 8965", "+1 (231) 437-7870".
//     The plus may also be written "%2B" (URL encoding) or "\u002B" (a JSON escape); a mask
//     keeps it as written, a token replaces it. A digit before the plus does not matter. Runs
//     longer than E.164's 15 digits are protected too, since a number with digits glued on is
//     still a number; fewer than 7 digits ("+12", "+08:00" in a timestamp) are left alone.
//     Digit runs without a plus (ids, epoch times) are left alone outside the fields below.
//   - the value of a member named like a number field (NumberFieldNames, any letter case),
//     whitespace allowed around ':', with or without a plus: a string value up to its closing
//     quote, or to the end of the text when the body was cut short; a number value, which is
//     written back quoted so JSON stays JSON. JSON nested in a string
//     (\"source\":\"6591178965\") is recognised too. A value starting with \u002B starts with a
//     plus; other escapes in a value are not decoded, so their hex digits are masked or hashed
//     with the rest (safe, if odd).
// Masked or hashed text scrubs to itself, and the result is valid UTF-8 whenever `text` was.
#pragma once

#include <string>
#include <string_view>

namespace callsink {

class MsisdnPrivacy;

// `text` with every phone number in it protected by `privacy` (whose policy is not clear).
std::string scrub_numbers_in_text(std::string_view text, MsisdnPrivacy const& privacy);

}  // namespace callsink
