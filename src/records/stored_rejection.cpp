#include "callsink/records/stored_rejection.hpp"

#include <openssl/evp.h>

#include "callsink/events/field_list.hpp"

namespace callsink {
namespace {

std::string text_member(Json const& object, std::string_view key) {
    auto const it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// RFC 4648 section 4, with padding, as event_record.cpp writes it; nullopt for anything else.
std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) {
        return std::nullopt;
    }
    std::string out(text.size() / 4 * 3, '\0');
    int const written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                        reinterpret_cast<unsigned char const*>(text.data()),
                                        static_cast<int>(text.size()));
    if (written < 0) {
        return std::nullopt;
    }
    // EVP_DecodeBlock counts the padding's bytes as zeros: take them back off.
    std::size_t padding = 0;
    for (auto it = text.rbegin(); it != text.rend() && *it == '=' && padding < 2; ++it) {
        ++padding;
    }
    out.resize(static_cast<std::size_t>(written) - padding);
    return out;
}

}  // namespace

std::optional<StoredRejection> read_stored_rejection(std::string_view line) {
    if (line.ends_with('\n')) {
        line.remove_suffix(1);
    }
    Json const json = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object()) {
        return std::nullopt;
    }
    auto const received = json.find("received");
    if (received == json.end() || !received->is_object()) {
        return std::nullopt;
    }
    StoredRejection rejection;
    rejection.received.at = text_member(*received, "at");
    rejection.received.path = text_member(*received, "path");
    rejection.received.remote = text_member(*received, "remote");
    rejection.received.request_id = text_member(*received, "requestId");
    if (auto const error = json.find("error"); error != json.end() && error->is_object()) {
        rejection.error_code = text_member(*error, "code");
    }
    if (auto const body = json.find("body"); body != json.end() && body->is_string()) {
        rejection.body = body->get<std::string>();
    } else if (auto const encoded = json.find("body_base64");
               encoded != json.end() && encoded->is_string()) {
        std::optional<std::string> decoded = base64_decode(encoded->get_ref<std::string const&>());
        if (!decoded) {
            return std::nullopt;
        }
        rejection.body = std::move(*decoded);
    } else {
        return std::nullopt;
    }
    return rejection;
}

}  // namespace callsink
