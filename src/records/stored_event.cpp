#include "callsink/records/stored_event.hpp"

#include "callsink/base/rfc3339.hpp"
#include "callsink/events/event_types.hpp"
#include "callsink/events/field_list.hpp"
#include "callsink/records/record_identity.hpp"

namespace callsink {
namespace {

std::optional<Json> parse_line(std::string_view line) {
    Json json = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object()) {
        return std::nullopt;
    }
    return json;
}

std::string_view text_member(Json const& object, std::string_view key) {
    auto const it = object.find(key);
    return it != object.end() && it->is_string()
               ? std::string_view(it->get_ref<std::string const&>())
               : std::string_view{};
}

std::optional<std::int64_t> received_at(Json const& record) {
    auto const received = record.find("received");
    if (received == record.end() || !received->is_object()) {
        return std::nullopt;
    }
    return rfc3339::to_unix_ms(text_member(*received, "at"));
}

}  // namespace

std::optional<StoredEvent> read_stored_event(std::string_view line) {
    if (line.ends_with('\n')) {
        line.remove_suffix(1);
    }
    std::optional<Json> const json = parse_line(line);
    if (!json) {
        return std::nullopt;
    }
    EventType const* type = find_event_type(text_member(*json, "eventType"));
    auto const payload = json->find("payload");
    std::optional<std::int64_t> const at = received_at(*json);
    if (!type || payload == json->end() || !payload->is_object() || !at) {
        return std::nullopt;
    }
    StoredEvent stored;
    stored.received_at_ms = *at;
    Record& record = stored.record;
    auto const member = [&payload](std::string_view key, std::string_view& text) {
        text = text_member(*payload, key);
        return true;
    };
    // The payload as the record writes it, which is the text its key was made from (the general
    // encoder's payload_text in event_record.cpp).
    std::string payload_text;
    identify_event(
        *type, member,
        [&]() -> std::string_view {
            return payload_text = payload->dump(-1, ' ', /*ensure_ascii=*/false,
                                                Json::error_handler_t::replace);
        },
        record);
    record.kind = RecordKind::event;
    record.request_id = text_member(json->at("received"), "requestId");
    record.line.reserve(line.size() + 1);
    record.line.append(line).push_back('\n');
    return stored;
}

std::optional<std::int64_t> received_at_ms(std::string_view line) {
    std::optional<Json> const json = parse_line(line);
    return json ? received_at(*json) : std::nullopt;
}

}  // namespace callsink
