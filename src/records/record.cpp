#include "callsink/records/record.hpp"

namespace callsink {

void EventSummary::set_ids(std::string_view event_id, std::string_view session_id) {
    if (text_.empty()) {
        // The usual order, ids first: one allocation for the ids and the fields that follow.
        constexpr std::size_t kRoomForFields = 64;
        text_.reserve(event_id.size() + session_id.size() + kRoomForFields);
        text_.append(event_id).append(session_id);
        event_id_end_ = static_cast<std::uint32_t>(event_id.size());
        ids_end_ = static_cast<std::uint32_t>(text_.size());
        return;
    }
    std::string ids;
    ids.reserve(event_id.size() + session_id.size());
    ids.append(event_id).append(session_id);
    text_.replace(0, ids_end_, ids);
    event_id_end_ = static_cast<std::uint32_t>(event_id.size());
    ids_end_ = static_cast<std::uint32_t>(ids.size());
}

void EventSummary::add(std::string_view label, std::string_view value) {
    if (count_ == kMaxFields) {
        return;
    }
    labels_[count_] = label;
    text_.append(value);
    starts_[count_ + 1] = static_cast<std::uint32_t>(text_.size() - ids_end_);
    ++count_;
}

bool operator==(EventSummary const& a, EventSummary const& b) {
    if (a.event_type != b.event_type || a.type_index != b.type_index ||
        a.event_id() != b.event_id() || a.session_id() != b.session_id() || a.count_ != b.count_) {
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
