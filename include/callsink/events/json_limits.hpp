// The bounds a delivery's JSON must stay within to be accepted: past any of them, parse_event
// rejects the body as invalid_json (json_syntax::check_nesting) and it is stored raw in the
// rejects file. These are callsink's contract with 8x8 (docs/events.md, "Size"; docs/records.md,
// invalid_json), declared here once. They are not the one-pass encoder's capacities
// (records/one_pass_capacities.hpp): what exceeds those is only left to the general path, which
// then decides against these.
#pragma once

#include <cstddef>

namespace callsink::json_limits {

// 8x8's deepest documented value is details.<leg>.callQuality: depth 4 below the top level.
// 64 leaves room for any extra field while keeping copy, compare and dump (all recursive in
// nlohmann) far from the stack limit. Arrays and objects count alike.
inline constexpr std::size_t kMaxDepth = 64;

// nlohmann's ordered_json finds a key by linear search, so parsing costs the square of an
// object's members: the bound per object keeps that small, the bound per body keeps the sum
// small: the worst body, 156 objects of 256 members, parses in about 10 ms (Release, 2026-12-01),
// about what a real 850 KB snapshot of 3,000 numbers takes (9 ms). 8x8's largest objects have
// about 20 members; a VIRTUAL_NUMBER_UPDATE snapshot has 11 per number, so 40,000 members take
// more numbers (over 3,500) than the default 1 MiB body does.
inline constexpr std::size_t kMaxObjectMembers = 256;
inline constexpr std::size_t kMaxBodyMembers = 40'000;

}  // namespace callsink::json_limits
