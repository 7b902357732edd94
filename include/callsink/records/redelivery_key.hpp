// What identifies a delivery across redeliveries, as a fixed-size key: 128 bits (two SipHash-2-4
// under different, fixed keys) of the event type's identity (events/event_identity.hpp), 16 bytes
// whatever the length of the ids. The same event has the same key in every replica and every
// run, so it travels with the record to sinks that deduplicate across replicas: a Kafka header
// for consumers, the primary key of the PostgreSQL sink's events table.
//
// The SipHash keys are fixed and public, so a key is no secret and a sender can predict it: any
// hash table of keys that a sender's deliveries fill hashes them again under a key of its own,
// drawn at random (RedeliveryKey::Hash).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "callsink/base/siphash.hpp"

namespace callsink {

struct RedeliveryKey {
    std::uint64_t high = 0;
    std::uint64_t low = 0;

    // The zero key means "never deduplicated" (a rejection has none).
    explicit operator bool() const { return high != 0 || low != 0; }
    friend bool operator==(RedeliveryKey const&, RedeliveryKey const&) = default;

    // 32 lowercase hex digits, high half first; "" for the zero key.
    std::string hex() const;

    // A bucket hash under a key drawn at random for each Hash object: a sender who can predict
    // redelivery keys still cannot make them share buckets.
    class Hash {
      public:
        Hash();
        std::size_t operator()(RedeliveryKey const& key) const;

      private:
        SipKey key_;
    };
};

// Pure and thread-safe.
RedeliveryKey make_redelivery_key(std::string_view identity);

}  // namespace callsink
