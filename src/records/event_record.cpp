// Event and rejection records: one compact JSON object per line (docs/records.md).
#include "callsink/records/event_record.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <variant>

#include "callsink/base/utf8.hpp"
#include "callsink/events/fields.hpp"
#include "callsink/records/record_identity.hpp"

namespace callsink {
namespace {

// RFC 4648 section 4, with padding, by OpenSSL.
std::string base64_encode(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');  // EVP_EncodeBlock adds a NUL
    int const written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                        reinterpret_cast<unsigned char const*>(bytes.data()),
                                        static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(written));
    return out;
}

// Compact output never contains a raw newline: JSON strings escape theirs. `replace` instead of
// `strict` because an Event built by hand (not by parse_event, whose strings are validated) could
// hold invalid UTF-8, and a record with U+FFFD is better than an exception on the hot path.
std::string dump_line(Json const& record) {
    std::string line = record.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
    line.push_back('\n');
    return line;
}

// Envelope members callsink does not know follow the payload. `received` is callsink's own key, so
// an 8x8 member of that name is kept inside it as `original` rather than lost or duplicated.
void write_envelope_extra(Json const& extra, Json& record, Json& received) {
    if (!extra.is_object()) {
        return;
    }
    for (auto it = extra.begin(); it != extra.end(); ++it) {
        if (it.key() == "received") {
            received["original"] = *it;
        } else if (!record.contains(it.key())) {
            record[it.key()] = *it;
        }
    }
}

Json payload_json(Event const& event) {
    return std::visit([](auto const& typed) { return write_object(typed); }, event.payload);
}

std::string payload_text(Json const& payload) {
    return payload.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

}  // namespace

Json to_json(Received const& received) {
    Json json = Json::object();
    json["at"] = received.at;
    json["path"] = received.path;
    json["remote"] = received.remote;
    json["requestId"] = received.request_id;
    return json;
}

RedeliveryKey payload_redelivery_key(Event const& event) {
    EventIdentity const& identity = event.type().identity;
    if (!identity.redelivery.empty()) {
        return {};
    }
    return payload_redelivery_key(identity.name, payload_text(payload_json(event)));
}

Record event_record(Event const& event, Received const& received) {
    Json record = Json::object();
    FieldWriter fields(record);
    visit_fields(event.envelope, fields);
    Record out;
    {
        // A reference into `record`: used before anything else is added to it.
        Json& payload = record["payload"] = payload_json(event);
        auto const member = [&payload](std::string_view key, std::string_view& text) {
            auto const it = payload.find(key);
            text = it != payload.end() && it->is_string()
                       ? std::string_view(it->get_ref<std::string const&>())
                       : std::string_view{};
            return true;
        };
        std::string stored_payload;
        identify_event(
            event.type(), member,
            [&]() -> std::string_view { return stored_payload = payload_text(payload); }, out);
    }
    Json received_json = to_json(received);
    write_envelope_extra(event.envelope.extra, record, received_json);
    record["received"] = std::move(received_json);
    out.line = dump_line(record);
    return out;
}

// The field is left out when empty (a rejection of the whole body, such as invalid_json).
Record rejection_record(Rejection const& rejection, std::string_view body,
                        Received const& received) {
    Json error = Json::object();
    error["code"] = to_string(rejection.code);
    error["message"] = rejection.message;
    if (!rejection.field.empty()) {
        error["field"] = rejection.field;
    }
    Json record = Json::object();
    record["received"] = to_json(received);
    record["error"] = std::move(error);
    if (utf8::is_valid(body)) {
        record["body"] = std::string(body);
    } else {
        record["body_base64"] = base64_encode(body);
    }
    Record out;
    out.kind = RecordKind::rejection;
    out.line = dump_line(record);
    return out;
}

}  // namespace callsink
