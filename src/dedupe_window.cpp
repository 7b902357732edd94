#include "callsink/dedupe_window.hpp"

namespace callsink {

void DedupeWindow::remember(std::string const& key) {
    if (capacity_ == 0 || key.empty() || !keys_.insert(key).second) {
        return;
    }
    order_.push_back(key);
    if (order_.size() > capacity_) {
        keys_.erase(order_.front());
        order_.pop_front();
    }
}

}  // namespace callsink
