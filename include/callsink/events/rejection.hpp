// What parsing says about a delivery besides the event itself: a Rejection when it cannot be
// stored as an event (with a stable code, the field's path and a sentence for a person), or
// ParseNotes about an accepted one that deserves a look.
#pragma once

#include <array>
#include <boost/assert/source_location.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace callsink {

// Stable, machine-readable reasons; they appear in the rejects file and in metrics labels.
enum class RejectCode {
    invalid_json,   // not JSON, or not UTF-8
    not_an_object,  // JSON, but the top level is not an object
    missing_field,  // a required field is absent or null
    wrong_type,     // a field has a type the documents do not allow
    invalid_value,  // right type, unusable value (e.g. "12a" for a number, a bad timestamp)
    unsupported_event_type,  // eventType is none of the types callsink knows
};

// Every code, in declaration order: derived from the enum, so a new code is counted and
// exported without a second list to update. to_string() has no default, so -Wswitch flags a
// code it does not name.
inline constexpr std::size_t kRejectCodeCount =
    static_cast<std::size_t>(RejectCode::unsupported_event_type) + 1;
inline constexpr auto kRejectCodes = [] {
    std::array<RejectCode, kRejectCodeCount> codes{};
    for (std::size_t i = 0; i < codes.size(); ++i) {
        codes[i] = static_cast<RejectCode>(i);
    }
    return codes;
}();

constexpr std::string_view to_string(RejectCode code) {
    switch (code) {
        case RejectCode::invalid_json:
            return "invalid_json";
        case RejectCode::not_an_object:
            return "not_an_object";
        case RejectCode::missing_field:
            return "missing_field";
        case RejectCode::wrong_type:
            return "wrong_type";
        case RejectCode::invalid_value:
            return "invalid_value";
        case RejectCode::unsupported_event_type:
            return "unsupported_event_type";
    }
    return "unknown";  // only for a value outside the enumeration
}

static_assert(to_string(static_cast<RejectCode>(kRejectCodeCount)) == "unknown",
              "a code follows unsupported_event_type: derive kRejectCodeCount from it");

// The codes' names, by code: the label values of callsink_rejects_total.
inline constexpr auto kRejectCodeNames = [] {
    std::array<std::string_view, kRejectCodeCount> names{};
    for (std::size_t i = 0; i < names.size(); ++i) {
        names[i] = to_string(kRejectCodes[i]);
    }
    return names;
}();

struct Rejection {
    RejectCode code;
    std::string field;    // dotted path, e.g. "payload.details.callA.callDuration"; "" for the body
    std::string message;  // one sentence for a person: what was found and what was expected
};

// Lets boost::system::result<T, Rejection>::value() report a rejection as an exception.
[[noreturn]] void throw_exception_from_error(Rejection const& rejection,
                                             boost::source_location const& location);

// A value an accepted delivery carries that deserves attention, such as an enum value none of
// the 8x8 documents lists. Counted and logged, never a reason to reject.
struct ParseNote {
    std::string field;  // dotted path, e.g. "payload.callStatus"
    std::string value;  // the value as received
};

}  // namespace callsink
