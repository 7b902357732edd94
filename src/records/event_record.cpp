// Event and rejection records: one compact JSON object per line (DESIGN.md, "Records").
#include "callsink/records/record.hpp"

#include <array>
#include <cstdint>
#include <variant>

#include "callsink/events/types/call_status.hpp"
#include "callsink/events/envelope.hpp"
#include "callsink/events/fields.hpp"
#include "callsink/events/types/session_summary.hpp"
#include "callsink/base/utf8.hpp"

namespace callsink {
namespace {

// RFC 4648 section 4, with padding.
std::string base64_encode(std::string_view bytes) {
    constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t pos = 0; pos < bytes.size(); pos += 3) {
        std::size_t const count = std::min<std::size_t>(3, bytes.size() - pos);
        std::uint32_t group = 0;
        for (std::size_t i = 0; i < 3; ++i) {
            auto const byte = i < count ? static_cast<std::uint8_t>(bytes[pos + i]) : 0;
            group = (group << 8) | byte;
        }
        for (std::size_t i = 0; i < 4; ++i) {
            out.push_back(i <= count ? kAlphabet[(group >> (18 - 6 * i)) & 0x3F] : '=');
        }
    }
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

}  // namespace

Json to_json(Received const& received) {
    Json json = Json::object();
    json["at"] = received.at;
    json["path"] = received.path;
    json["remote"] = received.remote;
    json["requestId"] = received.request_id;
    return json;
}

std::string encode_event_record(Event const& event, Received const& received) {
    Json record = Json::object();
    FieldWriter fields(record);
    visit_fields(event.envelope, fields);
    record["payload"] =
        std::visit([](auto const& payload) { return Json(payload); }, event.payload);
    Json received_json = to_json(received);
    write_envelope_extra(event.envelope.extra, record, received_json);
    record["received"] = std::move(received_json);
    return dump_line(record);
}

// The field is left out when empty (a rejection of the whole body, such as invalid_json).
std::string encode_rejection_record(Rejection const& rejection, std::string_view body,
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
    return dump_line(record);
}

}  // namespace callsink
