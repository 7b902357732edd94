// parse_event as the tests use it: the Event a body must parse to, or the Rejection it must get;
// the other outcome fails the calling test and returns an empty value.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "callsink/events/fields.hpp"
#include "callsink/events/parse.hpp"
#include "fixtures.hpp"

namespace callsink::testing {

inline Event parsed(std::string_view body) {
    ParseResult result = parse_event(body);
    EXPECT_TRUE(result.has_value()) << (result ? "" : result.error().message);
    return result ? std::move(*result) : Event{};
}

// The event's payload as T; another type fails the calling test and gives an empty T.
template <class T>
T payload_of(Event const& event) {
    auto const* payload = std::get_if<T>(&event.payload);
    EXPECT_NE(payload, nullptr) << "not a " << T::kIdentity.name << " but a "
                                << event.type().identity.name;
    return payload != nullptr ? *payload : T{};
}

// The whole event as JSON text, written by its field lists: what a record of it would hold.
inline std::string written(Event const& event) {
    Json json = write_object(event.envelope);
    json["payload"] =
        std::visit([](auto const& payload) { return write_object(payload); }, event.payload);
    for (ParseNote const& note : event.notes) {
        json["notes"].push_back(note.value);
    }
    return json.dump();
}

// Every fixture of tests/data/ that parse_event accepts.
inline std::vector<std::string> accepted_fixtures() {
    std::vector<std::string> names = delivery_fixtures();
    std::erase_if(names, [](std::string const& name) { return !parse_event(fixture(name)); });
    return names;
}

inline Rejection rejected(std::string_view body) {
    ParseResult result = parse_event(body);
    EXPECT_FALSE(result.has_value()) << "accepted: " << body;
    return result ? Rejection{} : result.error();
}

}  // namespace callsink::testing
