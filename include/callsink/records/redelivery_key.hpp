// What identifies a delivery across redeliveries, as a fixed-size key: 128 bits (two SipHash-2-4
// under different keys) of the event type's identity (events/event_identity.hpp), 16 bytes
// whatever the length of the ids, compared and hashed as two integers. The pipeline's dedupe
// window remembers these; the key travels with the record, so a sink could pass it on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace callsink {

struct RedeliveryKey {
    std::uint64_t high = 0;
    std::uint64_t low = 0;

    // The zero key means "never deduplicated" (a rejection has none).
    explicit operator bool() const { return high != 0 || low != 0; }
    friend bool operator==(RedeliveryKey const&, RedeliveryKey const&) = default;

    // SipHash output is already uniform: any 64 of its bits make a good bucket hash.
    struct Hash {
        std::size_t operator()(RedeliveryKey const& key) const { return key.low; }
    };
};

// Under a key drawn at random when the process starts: equal within one run, different across
// runs. Thread-safe.
RedeliveryKey make_redelivery_key(std::string_view identity);

}  // namespace callsink
