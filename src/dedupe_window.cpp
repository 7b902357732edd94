#include "callsink/dedupe_window.hpp"

#include "callsink/siphash.hpp"

namespace callsink {

DedupeKey make_dedupe_key(std::string_view identity) {
    static constexpr SipKey kHigh{0x63616c6c73696e6bULL, 0x6465647570652d31ULL};
    static constexpr SipKey kLow{0x6465647570652d32ULL, 0x63616c6c73696e6bULL};
    return DedupeKey{siphash24(kHigh, identity), siphash24(kLow, identity)};
}

void DedupeWindow::remember(DedupeKey key) {
    if (capacity_ == 0 || !key || !keys_.insert(key).second) {
        return;
    }
    order_.push_back(key);
    if (order_.size() > capacity_) {
        keys_.erase(order_.front());
        order_.pop_front();
    }
}

}  // namespace callsink
