// parse_event as the tests use it: the Event a body must parse to, or the Rejection it must get;
// the other outcome fails the calling test and returns an empty value.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "callsink/events/parse.hpp"

namespace callsink::testing {

inline Event parsed(std::string_view body) {
    ParseResult result = parse_event(body);
    EXPECT_TRUE(result.has_value()) << (result ? "" : result.error().message);
    return result ? std::move(*result) : Event{};
}

inline Rejection rejected(std::string_view body) {
    ParseResult result = parse_event(body);
    EXPECT_FALSE(result.has_value()) << "accepted: " << body;
    return result ? Rejection{} : result.error();
}

}  // namespace callsink::testing
