// Numbers written as nlohmann's dump() writes them, without building a Json: the one-pass encoder
// (one_pass_encoder.hpp) writes records from the delivery's text, and its bytes must be those
// the general path writes through dump() (records/event_record.hpp). Pure functions.
//
// A fraction or exponent is written from its own significant digits, laid out as nlohmann lays
// out a double, where those are certain to be what dump() writes, and through nlohmann's public
// dump() otherwise. nlohmann formats doubles with its own Grisu2, which does not always find the
// shortest digits: std::to_chars's shortest form differs from it on about one double in a
// thousand at random (dump() writes 3.5561693938148423e-26 where 3.556169393814842e-26 is
// shorter), and on more round numbers that lie exactly between two doubles
// (1.9116199999999999e+21 for 1.91162e+21). But a decimal of at most 15 significant digits that
// lies clearly inside its double's rounding interval is the only one of so few digits there, and
// Grisu2 finds it. Deliveries' numbers ("4.5", "0.05") are mostly such decimals; the rest go to
// dump(), which costs two allocations and a locale lookup each. number_format_test holds both
// routes to dump() over millions of numbers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "callsink/base/json_lexer.hpp"

namespace callsink::number_format {

// Integers of up to 18 digits fit nlohmann's int64 or uint64, so it writes them back unchanged.
inline constexpr std::size_t kMaxIntegerDigits = 18;

// Whether dump() writes the value nlohmann reads from `number` in a form append_number knows: an
// integer of at most kMaxIntegerDigits other than -0 (written as it came; -0 reads as the integer
// 0 and a longer one may become a double), or any fraction or exponent (a double).
bool round_trips(JsonNumber const& number);

// Appends `number` as dump() writes the value nlohmann reads from it: an integer as it came, a
// fraction or an exponent as append_decimal writes it ("1E2" becomes 100.0). False, appending
// nothing, when !round_trips(number) or the value is not finite (1e400).
bool append_number(JsonNumber const& number, std::string& out);

// Appends the value of `text` (what parse_double reads: a JSON number, or a numeric string such
// as ".5") exactly as nlohmann::json(value).dump() writes it: "4.5", "100.0", "1e+20", "-0.0".
// False, appending nothing, when parse_double refuses the text.
bool append_decimal(std::string_view text, std::string& out);

// append_decimal's route without dump(), for `value` read from `text` by parse_double: false,
// appending nothing, when it cannot be sure (more than 15 significant digits, beyond 1e±27 in
// the last digit's place, a subnormal value, or too near the edge of the rounding interval).
// Public for the tests.
bool append_decimal_without_dump(std::string_view text, double value, std::string& out);

void append_integer(std::int64_t value, std::string& out);

// The whole of `text` as a number, as std::from_chars reads it (no '+', no white space); false
// for anything else, and for a double that is not finite.
bool parse_integer(std::string_view text, std::int64_t& value);
bool parse_double(std::string_view text, double& value);

}  // namespace callsink::number_format
