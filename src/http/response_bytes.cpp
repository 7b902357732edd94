#include "callsink/http/response_bytes.hpp"

#include <charconv>

namespace callsink {

std::string response_bytes(Response const& response) {
    std::string_view const reason = response.reason();
    std::size_t size = 16 + reason.size() + response.body().size();
    for (auto const& field : response) {
        size += field.name_string().size() + field.value().size() + 4;
    }
    std::string out;
    out.reserve(size);
    unsigned const version = response.version();
    out.append("HTTP/");
    out.push_back(static_cast<char>('0' + version / 10));
    out.push_back('.');
    out.push_back(static_cast<char>('0' + version % 10));
    out.push_back(' ');
    char status[8];
    auto const end = std::to_chars(status, status + sizeof status, response.result_int()).ptr;
    out.append(status, end);
    out.push_back(' ');
    out.append(reason);
    out.append("\r\n");
    for (auto const& field : response) {
        out.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
    }
    out.append("\r\n");
    out.append(response.body());
    return out;
}

}  // namespace callsink
