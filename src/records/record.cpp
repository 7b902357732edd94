#include "callsink/records/record.hpp"

namespace callsink {

void EventSummary::add(std::string_view label, std::string_view value) {
    if (count_ == kMaxFields) {
        return;
    }
    labels_[count_] = label;
    values_.append(value);
    starts_[++count_] = static_cast<std::uint32_t>(values_.size());
}

bool operator==(EventSummary const& a, EventSummary const& b) {
    if (a.event_type != b.event_type || a.type_index != b.type_index || a.event_id != b.event_id ||
        a.session_id != b.session_id || a.count_ != b.count_) {
        return false;
    }
    for (std::size_t i = 0; i < a.count_; ++i) {
        if (a.label(i) != b.label(i) || a.value(i) != b.value(i)) {
            return false;
        }
    }
    return true;
}

}  // namespace callsink
