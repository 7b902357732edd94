// The vocabulary an event type's field list is written in (see events/types/): what a field may
// hold, which values the 8x8 documents list for it, and whether it carries a phone number. The
// list itself is one visit_fields(value, fields) function per object, beside its struct; the
// parser, the record encoder, the one-pass encoder and privacy all walk that one list.
//
// A field list is a flat sequence of calls, in the order of the 8x8 document's table (which is
// the order the record is written in):
//
//     fields.required("callStatus", call.call_status, {.known = kCallStatuses});
//     fields.optional("source", call.source, {.privacy = Privacy::phone_number});
//     fields.optional("callDuration", call.call_duration);  // an integer: number or digits
//     fields.object("callQuality", leg.call_quality);       // a nested object with its own list
//
// Members a list does not name are kept in the struct's `extra`, in received order.
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string_view>
#include <type_traits>

namespace callsink {

// Preserves key order, so a stored record reads like the delivery it came from.
using Json = nlohmann::ordered_json;

// visit_fields(Matching<CallLeg> auto& leg, auto& fields) takes a CallLeg, const or not: one
// list serves the readers (non-const) and the writers (const).
template <class T, class Type>
concept Matching = std::same_as<std::remove_const_t<T>, Type>;

// The values the 8x8 documents list for an enum-like field; any other value is kept and noted.
using KnownValues = std::span<std::string_view const>;

// What [privacy] msisdn does to a text field (events/msisdn_privacy.hpp).
enum class Privacy : std::uint8_t {
    none,          // ids, statuses, codes, timestamps: stored as received
    phone_number,  // the whole value is a phone number: masked or hashed
    free_text,     // text that may quote a phone number: every number in it masked or hashed
};

struct TextRules {
    KnownValues known = {};
    Privacy privacy = Privacy::none;
};

// call-status-2026.txt and session-summary.txt both give "INBOUND or OUTBOUND".
inline constexpr std::array<std::string_view, 2> kCallDirections{"INBOUND", "OUTBOUND"};

}  // namespace callsink
