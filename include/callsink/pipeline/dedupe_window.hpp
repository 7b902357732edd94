// Remembers the ids of the last N stored records, so a redelivery (8x8 says duplicates can
// occur) is answered without being stored again. Oldest-first eviction: a fixed memory bound
// whatever the traffic. Not thread-safe: the pipeline's writer thread is its only user.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

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

// Under a key drawn at random when the process starts: equal within one run, different across runs.
DedupeKey make_dedupe_key(std::string_view identity);

// The last `capacity` keys in a ring, the oldest overwritten first, with an open-addressing
// index over the ring (linear probing, deletion by backward shift): remembering a key allocates
// nothing once the window is full, and a lookup touches one or two cache lines. The index grows
// with the ring, so a large window costs memory only as it fills.
class DedupeWindow {
  public:
    explicit DedupeWindow(std::size_t capacity) : capacity_(capacity) {}

    bool enabled() const { return capacity_ > 0; }
    bool contains(DedupeKey key) const { return find_slot(key) != kNotFound; }

    // Remembers `key`, forgetting the oldest key when full. A key already there is left as is.
    void remember(DedupeKey key);

    std::size_t size() const { return ring_.size(); }

  private:
    static constexpr std::size_t kNotFound = static_cast<std::size_t>(-1);

    std::size_t home(DedupeKey key) const { return DedupeKey::Hash{}(key) & (slots_.size() - 1); }
    std::size_t find_slot(DedupeKey key) const;
    void insert_slot(std::size_t ring_index);
    void erase_slot(std::size_t slot);
    void grow();

    std::size_t capacity_;
    std::vector<DedupeKey> ring_;       // grows to capacity_, then wraps
    std::size_t oldest_ = 0;            // the ring index overwritten next, once full
    std::vector<std::uint32_t> slots_;  // ring index + 1 per slot; 0: empty. A power of two.
};

}  // namespace callsink
