// How much the one-pass encoder (one_pass_encoder.hpp) holds before it declines a delivery. These
// are capacities of a fast path, sized for what 8x8 sends, not limits on what callsink accepts:
// a delivery beyond one is handed to the general path, which accepts or rejects it against the
// acceptance limits (events/json_limits.hpp). Each capacity stays at or below the limit it
// shadows, so whatever the fast path takes, the general path would have accepted too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

#include "callsink/events/json_limits.hpp"

namespace callsink::one_pass {

// Objects and arrays nested in one another below the envelope, which is the first of the levels
// json_limits counts. 8x8's deepest value is 4 levels down.
inline constexpr std::size_t kDepthCapacity = 16;
// Members of one object, held in a fixed array per object (member_index.hpp). 8x8's largest
// objects have about 20.
inline constexpr std::size_t kObjectMemberCapacity = 32;
// Object members and list elements in the whole body, counted as they are written.
inline constexpr std::size_t kBodyMemberCapacity = 512;
// Fields in one field list (events/field_schema.hpp); the lists are callsink's own, the largest
// has about 25.
inline constexpr std::size_t kListFieldCapacity = 64;

static_assert(kDepthCapacity + 1 <= json_limits::kMaxDepth,
              "the fast path would take bodies nested deeper than callsink accepts");
static_assert(kObjectMemberCapacity <= json_limits::kMaxObjectMembers,
              "the fast path would take objects wider than callsink accepts");
static_assert(kBodyMemberCapacity <= json_limits::kMaxBodyMembers,
              "the fast path would take bodies with more members than callsink accepts");
// A member's place in its object is kept in an int8_t.
static_assert(kObjectMemberCapacity <= std::numeric_limits<std::int8_t>::max());

}  // namespace callsink::one_pass
