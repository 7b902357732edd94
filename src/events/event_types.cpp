#include "callsink/events/event_types.hpp"

#include <array>
#include <utility>

#include "callsink/events/types/call_status.hpp"
#include "callsink/events/types/session_summary.hpp"

namespace callsink {
namespace {

template <class T,
          boost::system::result<T, Rejection> (*read)(Json const&, std::vector<ParseNote>&)>
boost::system::result<EventKind::Payload, Rejection> read_payload(Json const& payload,
                                                                  std::vector<ParseNote>& notes) {
    auto result = read(payload, notes);
    if (!result) {
        return {boost::system::in_place_error, std::move(result.error())};
    }
    return {boost::system::in_place_value, std::move(*result)};
}

// CALL_ACTION, CALL_RECORDING_STATUS and VIRTUAL_NUMBER_UPDATE may reach the same URLs; until they
// are typed they are stored as unsupported_event_type rejections (DESIGN.md, "Events").
constexpr std::array kEventKinds{
    EventKind{"CALL_STATUS", &read_payload<CallStatus, &read_call_status>, &call_status_schema},
    EventKind{"SESSION_SUMMARY", &read_payload<SessionSummary, &read_session_summary>,
              &session_summary_schema},
};

}  // namespace

std::span<EventKind const> event_kinds() {
    return kEventKinds;
}

EventKind const* find_event_kind(std::string_view event_type) {
    for (EventKind const& kind : kEventKinds) {
        if (kind.event_type == event_type) {
            return &kind;
        }
    }
    return nullptr;
}

}  // namespace callsink
