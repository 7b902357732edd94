#include "callsink/events/event_types.hpp"

#include <array>
#include <utility>

#include "callsink/events/fields.hpp"

namespace callsink {
namespace {

template <class T>
boost::system::result<EventPayload, Rejection> read_payload(Json const& payload,
                                                            std::vector<ParseNote>& notes) {
    auto result = read_object<T>(payload, "payload", notes);
    if (!result) {
        return {boost::system::in_place_error, std::move(result.error())};
    }
    return {boost::system::in_place_value, std::in_place_type<T>, std::move(*result)};
}

template <std::size_t... I>
constexpr std::array<EventType, sizeof...(I)> make_event_types(std::index_sequence<I...>) {
    return {EventType{std::variant_alternative_t<I, EventPayload>::kIdentity, I,
                      &schema_of<std::variant_alternative_t<I, EventPayload>>,
                      &read_payload<std::variant_alternative_t<I, EventPayload>>}...};
}

// constexpr, so it is filled before any code runs: a namespace-scope object elsewhere (a test's
// MsisdnPrivacy, which derives its number fields from these types) may read it while the other
// objects are still being initialised.
constexpr std::array<EventType, std::variant_size_v<EventPayload>> kEventTypes =
    make_event_types(std::make_index_sequence<std::variant_size_v<EventPayload>>());

}  // namespace

std::span<EventType const> event_types() {
    return kEventTypes;
}

std::span<std::string_view const> event_type_names() {
    static constexpr auto kNames = [] {
        std::array<std::string_view, kEventTypes.size()> names{};
        for (std::size_t i = 0; i < names.size(); ++i) {
            names[i] = kEventTypes[i].identity.name;
        }
        return names;
    }();
    return kNames;
}

EventType const* find_event_type(std::string_view name) {
    for (EventType const& type : kEventTypes) {
        if (type.identity.name == name) {
            return &type;
        }
    }
    return nullptr;
}

}  // namespace callsink
