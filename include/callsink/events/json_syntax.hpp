// What parse_event checks about a body before, and says about it after, nlohmann's parser: the
// nesting guard that keeps pathological input away from recursive code, and a readable account of
// why a body is not JSON.
#pragma once

#include <optional>
#include <string_view>

#include "callsink/events/json_limits.hpp"
#include "callsink/events/rejection.hpp"

namespace callsink::json_syntax {

// An invalid_json rejection when the body is past one of json_limits.hpp's bounds: arrays and
// objects nested deeper than kMaxDepth, one object with more than kMaxObjectMembers members, or
// the body with more than kMaxBodyMembers. Counts brackets and colons outside strings in one walk
// over the structure (JsonLexer::to_structural), so it costs less than the parse it protects. For
// a body that is not JSON the counts may be wrong after the first syntax error, but the parser
// stops there too.
std::optional<Rejection> check_nesting(std::string_view body);

// The invalid_json rejection for a body nlohmann's parser refused: where it stopped and why. Parses
// again with a SAX handler that records the error, so it is only for the failure path.
Rejection describe_invalid_json(std::string_view body);

}  // namespace callsink::json_syntax
