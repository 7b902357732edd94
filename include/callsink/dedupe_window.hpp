// Remembers the ids of the last N stored records, so a redelivery (8x8 says duplicates can
// occur) is answered without being stored again. Oldest-first eviction: a fixed memory bound
// whatever the traffic. Not thread-safe: the pipeline's writer thread is its only user.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>
#include <unordered_set>

namespace callsink {

// 128 bits (two SipHash-2-4 under different keys) of what identifies a delivery across
// redeliveries: 16 bytes whatever the length of the id, compared and hashed as two integers. The
// zero key means "never deduplicated".
struct DedupeKey {
    std::uint64_t high = 0;
    std::uint64_t low = 0;

    explicit operator bool() const { return high != 0 || low != 0; }
    friend bool operator==(DedupeKey const&, DedupeKey const&) = default;

    // SipHash output is already uniform: any 64 of its bits make a good bucket hash.
    struct Hash {
        std::size_t operator()(DedupeKey const& key) const { return key.low; }
    };
};

// No secret is needed: to collide with a real delivery one would have to know 8x8's future ids.
DedupeKey make_dedupe_key(std::string_view identity);

class DedupeWindow {
  public:
    explicit DedupeWindow(std::size_t capacity) : capacity_(capacity) {}

    bool enabled() const { return capacity_ > 0; }
    bool contains(DedupeKey key) const { return keys_.contains(key); }

    // Remembers `key`, forgetting the oldest key when full. A key already there is left as is.
    void remember(DedupeKey key);

    std::size_t size() const { return keys_.size(); }

  private:
    std::size_t capacity_;
    std::unordered_set<DedupeKey, DedupeKey::Hash> keys_;
    std::deque<DedupeKey> order_;  // oldest first
};

}  // namespace callsink
