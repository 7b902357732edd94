#include "callsink/events/fields.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

#include "callsink/base/rfc3339.hpp"
#include "callsink/base/utf8.hpp"

namespace callsink {
namespace {

// A received string quoted in a message is cut here: the message is for a person, the record of
// the delivery keeps the whole body.
constexpr std::size_t kMaxQuotedBytes = 80;

constexpr std::string_view kNonEmptyString = "must be a non-empty string";
constexpr std::string_view kString = "must be a string";
constexpr std::string_view kInteger = "must be an integer or a string of digits";
constexpr std::string_view kIntegerRange = "must fit in a 64-bit signed integer";
constexpr std::string_view kNumber = "must be a number or a numeric string";
constexpr std::string_view kTimestampString = "must be an RFC 3339 timestamp string";
constexpr std::string_view kTimestamp =
    "must be an RFC 3339 timestamp such as \"2026-01-06T10:17:19.375Z\"";
constexpr std::string_view kBoolean = "must be true, false, or the string \"true\" or \"false\"";
constexpr std::string_view kStringOrObject = "must be a string or an object";
constexpr std::string_view kObject = "must be an object";
constexpr std::string_view kArray = "must be an array";

// Why a value could not be converted; the reader adds the field path and the value.
struct Problem {
    RejectCode code;
    std::string_view requirement;
};

template <class T>
using Converted = boost::system::result<T, Problem>;

// A field that may hold a phone number (Privacy other than none) is described by its kind only:
// the message reaches the rejects file, the reply and the log, and a number sent as a JSON number
// ("got 6591178965") would pass the scrubbing that privacy applies to text.
std::string describe(Json const& value, Privacy privacy = Privacy::none) {
    if (privacy != Privacy::none && (value.is_string() || value.is_number())) {
        return value.is_string() ? "a string" : "a number";
    }
    switch (value.type()) {
        case Json::value_t::string:
            return '"' + utf8::excerpt(value.get_ref<std::string const&>(), kMaxQuotedBytes) + '"';
        case Json::value_t::object:
            return "an object";
        case Json::value_t::array:
            return "an array";
        default:
            return value.dump();  // null, true, false or a number: its JSON text says it best
    }
}

Converted<std::string> to_string_value(Json const& value) {
    if (!value.is_string()) {
        return Problem{RejectCode::wrong_type, kString};
    }
    return value.get<std::string>();
}

// call-status-md.txt types callDuration as a String, session-summary.txt types errorCode as a
// String while its example sends -2005: digits with an optional '-' are an integer.
Converted<std::int64_t> integer_from_text(std::string const& text) {
    std::int64_t result = 0;
    char const* const last = text.data() + text.size();
    auto const [end, error] = std::from_chars(text.data(), last, result);  // no '+', no spaces
    if (error == std::errc::result_out_of_range) {
        return Problem{RejectCode::invalid_value, kIntegerRange};
    }
    if (error != std::errc{} || end != last) {
        return Problem{RejectCode::invalid_value, kInteger};
    }
    return result;
}

// 10.0 is an integer that passed through a float on the way; 10.5 is not. Beyond 2^53 a double no
// longer tells which integer was sent: nlohmann stores -9223372036854775809, which overflows its
// integer, as a double equal to -2^63. Such values are refused rather than silently changed.
Converted<std::int64_t> integer_from_float(double value) {
    constexpr double kTwoToThe53 = 9007199254740992.0;
    constexpr double kTwoToThe63 = 9223372036854775808.0;
    if (!std::isfinite(value) || std::fabs(value) >= kTwoToThe63) {
        return Problem{RejectCode::invalid_value, kIntegerRange};
    }
    if (std::trunc(value) != value || std::fabs(value) > kTwoToThe53) {
        return Problem{RejectCode::invalid_value, kInteger};
    }
    return static_cast<std::int64_t>(value);
}

Converted<std::int64_t> to_integer(Json const& value) {
    switch (value.type()) {
        case Json::value_t::number_integer:
            return value.get<std::int64_t>();
        case Json::value_t::number_unsigned: {
            auto const unsigned_value = value.get<std::uint64_t>();
            if (unsigned_value > std::uint64_t{std::numeric_limits<std::int64_t>::max()}) {
                return Problem{RejectCode::invalid_value, kIntegerRange};
            }
            return static_cast<std::int64_t>(unsigned_value);
        }
        case Json::value_t::number_float:
            return integer_from_float(value.get<double>());
        case Json::value_t::string:
            return integer_from_text(value.get_ref<std::string const&>());
        default:
            return Problem{RejectCode::wrong_type, kInteger};
    }
}

// mos and packetLossRate are Floats in session-summary.txt; a numeric string is read like the
// integer fields. Non-finite values could not be written back as JSON numbers.
Converted<double> to_number(Json const& value) {
    double result = 0;
    if (value.is_number()) {
        result = value.get<double>();
    } else if (value.is_string()) {
        auto const& text = value.get_ref<std::string const&>();
        char const* const last = text.data() + text.size();
        auto const [end, error] = std::from_chars(text.data(), last, result);
        if (error != std::errc{} || end != last) {
            return Problem{RejectCode::invalid_value, kNumber};
        }
    } else {
        return Problem{RejectCode::wrong_type, kNumber};
    }
    if (!std::isfinite(result)) {
        return Problem{RejectCode::invalid_value, kNumber};
    }
    return result;
}

// numberHealthCheckEnabled is a Boolean in the Virtual Number Updated table; as with numbers, the
// strings "true" and "false" read as the boolean they spell.
Converted<bool> to_boolean(Json const& value) {
    if (value.is_boolean()) {
        return value.get<bool>();
    }
    if (value.is_string()) {
        auto const& text = value.get_ref<std::string const&>();
        if (text == "true" || text == "false") {
            return text == "true";
        }
        return Problem{RejectCode::invalid_value, kBoolean};
    }
    return Problem{RejectCode::wrong_type, kBoolean};
}

Converted<std::string> to_timestamp(Json const& value) {
    if (!value.is_string()) {
        return Problem{RejectCode::wrong_type, kTimestampString};
    }
    auto const& text = value.get_ref<std::string const&>();
    if (!rfc3339::is_timestamp(text)) {
        return Problem{RejectCode::invalid_value, kTimestamp};
    }
    return text;
}

// call-status-md.txt types eventData as a String; kept as received when a delivery sends an object.
Converted<Json> to_string_or_object(Json const& value) {
    if (!value.is_string() && !value.is_object()) {
        return Problem{RejectCode::wrong_type, kStringOrObject};
    }
    // Tagged: Json converts implicitly to almost anything, Problem included.
    return Converted<Json>(boost::system::in_place_value, value);
}

}  // namespace

FieldReader::FieldReader(Json const& object, std::string path, std::vector<ParseNote>& notes)
    : object_(object), path_(std::move(path)), notes_(notes) {
    known_keys_.reserve(24);  // the longest list, CALL_STATUS's payload, has 19 fields
}

void FieldReader::required(std::string_view key, std::string& out, TextRules rules) {
    Json const* value = find(key);
    if (value == nullptr) {
        return fail_missing(key);
    }
    if (!value->is_string() || value->get_ref<std::string const&>().empty()) {
        RejectCode const code =
            value->is_string() ? RejectCode::invalid_value : RejectCode::wrong_type;
        return fail(code, path_of(key), kNonEmptyString, *value, rules.privacy);
    }
    out = value->get<std::string>();
    note_if_unknown(key, out, rules.known);
}

void FieldReader::optional(std::string_view key, std::optional<std::string>& out, TextRules rules) {
    read(key, out, to_string_value, rules.privacy);
    if (out) {
        note_if_unknown(key, *out, rules.known);
    }
}

void FieldReader::optional(std::string_view key, std::optional<std::int64_t>& out) {
    read(key, out, to_integer);
}

void FieldReader::optional(std::string_view key, std::optional<double>& out) {
    read(key, out, to_number);
}

void FieldReader::optional(std::string_view key, std::optional<bool>& out) {
    read(key, out, to_boolean);
}

void FieldReader::timestamp(std::string_view key, std::optional<std::string>& out) {
    read(key, out, to_timestamp);
}

void FieldReader::string_or_object(std::string_view key, std::optional<Json>& out) {
    read(key, out, to_string_or_object);
}

Json const* FieldReader::required_object(std::string_view key) {
    Json const* value = find_object(key);
    if (value == nullptr) {
        fail_missing(key);
    }
    return error_ ? nullptr : value;
}

void FieldReader::reject(Rejection rejection) {
    if (!error_) {
        error_ = std::move(rejection);
    }
}

template <class T, class Convert>
void FieldReader::read(std::string_view key, std::optional<T>& out, Convert convert,
                       Privacy privacy) {
    Json const* value = find(key);
    if (value == nullptr) {
        return;
    }
    auto converted = convert(*value);
    if (!converted) {
        return fail(converted.error().code, path_of(key), converted.error().requirement, *value,
                    privacy);
    }
    out = std::move(*converted);
}

// Claims `key` for the field list, so extra() leaves it out. Absent and null both read as nullptr:
// "null is the same as absent" (docs/events.md, "Rules for every type").
Json const* FieldReader::find(std::string_view key) {
    known_keys_.push_back(key);
    if (error_) {
        return nullptr;
    }
    auto const it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
        return nullptr;
    }
    return &*it;
}

Json const* FieldReader::find_object(std::string_view key) {
    return find_kind(key, &Json::is_object, kObject);
}

Json const* FieldReader::find_array(std::string_view key) {
    return find_kind(key, &Json::is_array, kArray);
}

Json const* FieldReader::find_kind(std::string_view key, bool (Json::*is_kind)() const noexcept,
                                   std::string_view requirement) {
    Json const* value = find(key);
    if (value != nullptr && !(value->*is_kind)()) {
        fail(RejectCode::wrong_type, path_of(key), requirement, *value);
        return nullptr;
    }
    return value;
}

std::string FieldReader::path_of(std::string_view key) const {
    if (path_.empty()) {
        return std::string(key);
    }
    std::string path;
    path.reserve(path_.size() + 1 + key.size());
    return path.append(path_).append(1, '.').append(key);
}

void FieldReader::fail(RejectCode code, std::string path, std::string_view requirement,
                       Json const& found, Privacy privacy) {
    if (error_) {
        return;
    }
    std::string message = path;
    message.append(1, ' ').append(requirement).append(", got ").append(describe(found, privacy));
    error_ = Rejection{code, std::move(path), std::move(message)};
}

void FieldReader::fail_missing(std::string_view key) {
    if (error_) {
        return;
    }
    std::string path = path_of(key);
    std::string message =
        path + (object_.contains(key) ? " is required, got null" : " is required but missing");
    error_ = Rejection{RejectCode::missing_field, std::move(path), std::move(message)};
}

void FieldReader::note_if_unknown(std::string_view key, std::string const& value,
                                  KnownValues known) {
    if (!known.empty() && std::ranges::find(known, value) == known.end()) {
        notes_.push_back(ParseNote{path_of(key), value});
    }
}

Json FieldReader::extra() const {
    Json extra = Json::object();
    for (auto it = object_.begin(); it != object_.end(); ++it) {
        if (std::ranges::find(known_keys_, it.key()) == known_keys_.end()) {
            extra[it.key()] = *it;
        }
    }
    return extra;
}

}  // namespace callsink
