#include "callsink/pipeline/dedupe_window.hpp"

#include <algorithm>
#include <bit>

namespace callsink {
namespace {

// The index is kept at most half full, so probes stay short.
constexpr std::size_t kMinSlots = 1024;

}  // namespace

void DedupeWindow::remember(RedeliveryKey key) {
    if (capacity_ == 0 || !key || contains(key)) {
        return;
    }
    std::size_t index = 0;
    if (ring_.size() < capacity_) {
        if (2 * (ring_.size() + 1) > slots_.size()) {
            grow();
        }
        index = ring_.size();
        ring_.push_back(key);
    } else {
        index = oldest_;
        erase_slot(find_slot(ring_[index]));
        ring_[index] = key;
        oldest_ = (oldest_ + 1) % capacity_;
    }
    insert_slot(index);
}

std::size_t DedupeWindow::find_slot(RedeliveryKey key) const {
    if (slots_.empty()) {
        return kNotFound;
    }
    std::size_t const mask = slots_.size() - 1;
    for (std::size_t slot = home(key); slots_[slot] != 0; slot = (slot + 1) & mask) {
        if (ring_[slots_[slot] - 1] == key) {
            return slot;
        }
    }
    return kNotFound;
}

void DedupeWindow::insert_slot(std::size_t ring_index) {
    std::size_t const mask = slots_.size() - 1;
    std::size_t slot = home(ring_[ring_index]);
    while (slots_[slot] != 0) {
        slot = (slot + 1) & mask;
    }
    slots_[slot] = static_cast<std::uint32_t>(ring_index + 1);
}

// Backward shift: each later entry of the probe run moves into the hole unless its home lies
// (cyclically) after the hole, so every entry stays reachable from its home without tombstones.
void DedupeWindow::erase_slot(std::size_t hole) {
    std::size_t const mask = slots_.size() - 1;
    for (std::size_t next = (hole + 1) & mask; slots_[next] != 0; next = (next + 1) & mask) {
        std::size_t const wanted = home(ring_[slots_[next] - 1]);
        if (((next - wanted) & mask) >= ((next - hole) & mask)) {
            slots_[hole] = slots_[next];
            hole = next;
        }
    }
    slots_[hole] = 0;
}

void DedupeWindow::grow() {
    std::size_t const wanted = std::bit_ceil(std::max(kMinSlots, 4 * (ring_.size() + 1)));
    std::size_t const most = std::bit_ceil(2 * capacity_);
    slots_.assign(std::min(wanted, std::max(most, kMinSlots)), 0);
    for (std::size_t index = 0; index < ring_.size(); ++index) {
        insert_slot(index);
    }
}

}  // namespace callsink
