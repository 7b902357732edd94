// parse_event: bytes -> JSON (non-throwing, with a nesting guard) -> envelope -> the payload type
// that eventType names. The JSON knowledge of each type lives in its *_json.cpp.
#include "callsink/events/parse.hpp"

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "callsink/events/envelope.hpp"
#include "callsink/events/event_types.hpp"
#include "callsink/events/fields.hpp"
#include "callsink/events/json_syntax.hpp"
#include "callsink/base/utf8.hpp"

namespace callsink {
namespace {

// An eventType is quoted in full up to this length; longer ones are cut.
constexpr std::size_t kMaxQuotedEventType = 80;

Rejection unsupported(std::string_view event_type) {
    std::string message = "eventType \"" + utf8::excerpt(event_type, kMaxQuotedEventType) +
                          "\" is not supported; expected ";
    auto const kinds = event_kinds();
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        message.append(i == 0 ? "" : " or ").append(kinds[i].event_type);
    }
    return Rejection{RejectCode::unsupported_event_type, "eventType", std::move(message)};
}

// eventType is checked before payload, so a delivery of a type callsink does not know is reported
// as that whatever its payload looks like.
ParseResult read_event(Json const& body) {
    std::vector<ParseNote> notes;
    FieldReader fields(body, "", notes);
    Envelope envelope;
    visit_fields(envelope, fields);
    EventKind const* kind = find_event_kind(envelope.event_type);
    if (kind == nullptr) {
        fields.reject(unsupported(envelope.event_type));  // kept only if eventType itself was fine
    }
    Json const* payload = fields.required_object("payload");
    auto read_envelope = fields.finish(std::move(envelope));
    if (!read_envelope) {
        return std::move(read_envelope.error());
    }
    auto read_payload = kind->read(*payload, notes);
    if (!read_payload) {
        return std::move(read_payload.error());
    }
    return Event{std::move(*read_envelope), std::move(*read_payload), std::move(notes)};
}

}  // namespace

std::string_view to_string(RejectCode code) {
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

void throw_exception_from_error(Rejection const& rejection,
                                boost::source_location const& location) {
    std::string what(to_string(rejection.code));
    if (!rejection.field.empty()) {
        what.append(" at ").append(rejection.field);
    }
    what.append(": ").append(rejection.message);
    what.append(" (").append(location.file_name()).append(":");
    what.append(std::to_string(location.line())).append(")");
    throw std::runtime_error(what);
}

ParseResult parse_event(std::string_view body) {
    if (auto too_deep = json_syntax::check_nesting(body)) {
        return std::move(*too_deep);
    }
    Json const json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) {
        return json_syntax::describe_invalid_json(body);
    }
    if (!json.is_object()) {
        return Rejection{RejectCode::not_an_object, "",
                         "body must be a JSON object, got a JSON " + std::string(json.type_name())};
    }
    return read_event(json);
}

}  // namespace callsink
