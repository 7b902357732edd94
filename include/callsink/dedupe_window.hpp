// Remembers the ids of the last N stored records, so a redelivery (8x8 says duplicates can
// occur) is answered without being stored again. Oldest-first eviction: a fixed memory bound
// whatever the traffic. Not thread-safe: the pipeline's writer thread is its only user.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

namespace callsink {

class DedupeWindow {
  public:
    explicit DedupeWindow(std::size_t capacity) : capacity_(capacity) {}

    bool enabled() const { return capacity_ > 0; }
    bool contains(std::string const& key) const { return keys_.contains(key); }

    // Remembers `key`, forgetting the oldest key when full. A key already there is left as is.
    void remember(std::string const& key);

    std::size_t size() const { return keys_.size(); }

  private:
    std::size_t capacity_;
    std::unordered_set<std::string> keys_;
    std::deque<std::string> order_;  // oldest first
};

}  // namespace callsink
