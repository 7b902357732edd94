// parse_event: bytes -> JSON (non-throwing, with a nesting guard) -> envelope -> the payload type
// that eventType names. What each type's payload holds is its field list (events/types/).
#include "callsink/events/parse.hpp"

#include <string>
#include <utility>
#include <vector>

#include "callsink/base/utf8.hpp"
#include "callsink/events/event_types.hpp"
#include "callsink/events/fields.hpp"
#include "callsink/events/json_syntax.hpp"

namespace callsink {
namespace {

// An eventType is quoted in full up to this length; longer ones are cut.
constexpr std::size_t kMaxQuotedEventType = 80;

Rejection unsupported(std::string_view event_type) {
    std::string message = "eventType \"" + utf8::excerpt(event_type, kMaxQuotedEventType) +
                          "\" is not supported; expected ";
    auto const types = event_types();
    for (std::size_t i = 0; i < types.size(); ++i) {
        message.append(i == 0                  ? ""
                       : i + 1 == types.size() ? " or "
                                               : ", ")
            .append(types[i].identity.name);
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
    EventType const* type = find_event_type(envelope.event_type);
    if (type == nullptr) {
        fields.reject(unsupported(envelope.event_type));  // kept only if eventType itself was fine
    }
    Json const* payload = fields.required_object("payload");
    auto read_envelope = fields.finish(std::move(envelope));
    if (!read_envelope) {
        return std::move(read_envelope).error();
    }
    auto read_payload = type->read(*payload, notes);
    if (!read_payload) {
        return std::move(read_payload).error();
    }
    return Event{std::move(*read_envelope), std::move(*read_payload), std::move(notes)};
}

}  // namespace

ParseResult parse_event(std::string_view body) {
    if (auto too_deep = json_syntax::check_nesting(body)) {
        return std::move(*too_deep);
    }
    Json const json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) {
        return json_syntax::describe_invalid_json(body);
    }
    return parse_event_json(json);
}

ParseResult parse_event_json(Json const& body) {
    if (!body.is_object()) {
        return Rejection{RejectCode::not_an_object, "",
                         "body must be a JSON object, got a JSON " + std::string(body.type_name())};
    }
    return read_event(body);
}

}  // namespace callsink
