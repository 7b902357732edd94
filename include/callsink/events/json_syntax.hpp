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
// nlohmann's ordered_json finds a key by linear search, so parsing costs the square of an
// object's members: the bound per object keeps that small, the bound per body keeps the sum
// small: the worst body, 156 objects of 256 members, parses in about 10 ms (Release, 2026-12-01),
// about what a real 850 KB snapshot of 3,000 numbers takes (9 ms). 8x8's largest objects have
// about 20 members; a VIRTUAL_NUMBER_UPDATE snapshot has 11 per number, so 40,000 members take
// more numbers (over 3,500) than the default 1 MiB body does.
inline constexpr std::size_t kMaxObjectMembers = 256;
inline constexpr std::size_t kMaxBodyMembers = 40'000;

// An invalid_json rejection when arrays and objects nest deeper than kMaxDepth, when one object
// has more than kMaxObjectMembers members, or the body more than kMaxBodyMembers. Counts brackets
// and colons outside strings in one pass, so it costs less than the parse it protects. For a body
// that is not JSON the counts may be wrong after the first syntax error, but the parser stops
// there too.
std::optional<Rejection> check_nesting(std::string_view body);

// The invalid_json rejection for a body nlohmann's parser refused: where it stopped and why. Parses
// again with a SAX handler that records the error, so it is only for the failure path.
Rejection describe_invalid_json(std::string_view body);

}  // namespace callsink::json_syntax
