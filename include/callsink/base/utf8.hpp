// UTF-8 checks for bytes that did not come through the JSON parser: a raw delivery body that may be
// binary, or a parser message that quotes the byte it stopped at. RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace callsink::utf8 {

bool is_valid(std::string_view text);

// At most `max_bytes` of `text` (plus an ellipsis when cut), always valid UTF-8: invalid bytes
// become U+FFFD. For quoting received values in rejection messages.
std::string excerpt(std::string_view text, std::size_t max_bytes);

}  // namespace callsink::utf8
