// What parse_event checks about a body before, and says about it after, nlohmann's parser: the
// nesting guard that keeps pathological input away from recursive code, and a readable account of
// why a body is not JSON.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "callsink/events/rejection.hpp"

namespace callsink::json_syntax {

// 8x8's deepest documented value is details.<leg>.callQuality: depth 4 below the top level.
// 64 leaves room for any extra field while keeping copy, compare and dump (all recursive in
// nlohmann) far from the stack limit.
inline constexpr std::size_t kMaxDepth = 64;
inline constexpr std::size_t kMaxMembers = 1000;

// An invalid_json rejection when arrays and objects nest deeper than kMaxDepth. Counts brackets
// outside strings in one pass, so it costs less than the parse it protects. For a body that is not
// JSON the count may be wrong after the first syntax error, but the parser stops there too.
std::optional<Rejection> check_nesting(std::string_view body);

// The invalid_json rejection for a body nlohmann's parser refused: where it stopped and why. Parses
// again with a SAX handler that records the error, so it is only for the failure path.
Rejection describe_invalid_json(std::string_view body);

}  // namespace callsink::json_syntax
