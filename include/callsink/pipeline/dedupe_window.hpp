// Remembers the ids of the last N stored records, so a redelivery (8x8 says duplicates can
// occur) is answered without being stored again. Oldest-first eviction: a fixed memory bound
// whatever the traffic. Not thread-safe: only the thread in the pipeline's writer role uses it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "callsink/records/redelivery_key.hpp"

namespace callsink {

// The last `capacity` keys in a ring, the oldest overwritten first, with an open-addressing
// index over the ring (linear probing, deletion by backward shift): remembering a key allocates
// nothing once the window is full, and a lookup touches one or two cache lines. The index grows
// with the ring, so a large window costs memory only as it fills.
class DedupeWindow {
  public:
    explicit DedupeWindow(std::size_t capacity) : capacity_(capacity) {}

    bool enabled() const { return capacity_ > 0; }
    bool contains(RedeliveryKey key) const { return find_slot(key) != kNotFound; }

    // Remembers `key`, forgetting the oldest key when full. A key already there is left as is.
    void remember(RedeliveryKey key);

    std::size_t size() const { return ring_.size(); }

  private:
    static constexpr std::size_t kNotFound = static_cast<std::size_t>(-1);

    std::size_t home(RedeliveryKey key) const { return hash_(key) & (slots_.size() - 1); }
    std::size_t find_slot(RedeliveryKey key) const;
    void insert_slot(std::size_t ring_index);
    void erase_slot(std::size_t slot);
    void grow();

    std::size_t capacity_;
    RedeliveryKey::Hash hash_;  // keyed at random: a sender can predict keys, not their slots
    std::vector<RedeliveryKey> ring_;   // grows to capacity_, then wraps
    std::size_t oldest_ = 0;            // the ring index overwritten next, once full
    std::vector<std::uint32_t> slots_;  // ring index + 1 per slot; 0: empty. A power of two.
};

}  // namespace callsink
