// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit hash, small and fast on short
// input. callsink uses it to turn an event's identity into a fixed-size dedupe key without
// pulling a cryptographic library's initialisation (megabytes of RSS) into the hot path.
// Pure and thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace callsink {

struct SipKey {
    std::uint64_t k0;
    std::uint64_t k1;
};

std::uint64_t siphash24(SipKey key, std::string_view data);

}  // namespace callsink
