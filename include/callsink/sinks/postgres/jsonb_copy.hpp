// What the postgres sink puts in the jsonb `record` column when jsonb cannot hold a record as it
// is. JSON allows any escaped code point in a string, but jsonb refuses two kinds: `\u0000` (text
// cannot hold a NUL) and a surrogate escape without its pair (`\ud800` alone), which 8x8's free
// text fields may carry. The sink then stores the exact line in `record_text` and, in `record`, a
// copy in which each of those escapes is replaced by the stand-in `\ufffd` (U+FFFD, the
// replacement character), which jsonb takes; the copy is as long as the line, and nothing else in
// it changes.
//
// Pure: text in, text out, no allocation unless a copy is needed. Any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace callsink {

// The escape written in place of each one jsonb refuses.
inline constexpr std::string_view kJsonbStandIn = "\\ufffd";

// The copy of `json` (valid JSON) that jsonb can hold, or nullopt when jsonb holds `json` as it is.
std::optional<std::string> jsonb_safe_copy(std::string_view json);

}  // namespace callsink
