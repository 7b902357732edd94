#include "callsink/http/messages.hpp"

#include <boost/beast/http/field.hpp>
#include <nlohmann/json.hpp>

namespace callsink {
namespace {

constexpr std::string_view kServer = "callsink/" CALLSINK_VERSION;

}  // namespace

Response text_response(http::status status, unsigned version, std::string_view content_type,
                       std::string body) {
    Response response{status, version};
    response.set(http::field::server, kServer);
    response.set(http::field::content_type, content_type);
    response.body() = std::move(body);
    response.prepare_payload();
    return response;
}

Response error_response(http::status status, unsigned version, std::string_view message) {
    std::string body = nlohmann::ordered_json{{"error", message}}.dump(
                           -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
                       '\n';
    return text_response(status, version, "application/json", std::move(body));
}

}  // namespace callsink
