#include "callsink/base/log_text.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace callsink {

namespace {

bool is_plain(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':' || c == '+' || c == '@' || c == '/' || c == '[' ||
           c == ']';
}

}  // namespace

std::string log_value(std::string_view value) {
    if (value.empty()) {
        return "-";
    }
    if (std::all_of(value.begin(), value.end(), is_plain)) {
        return std::string(value);
    }
    return nlohmann::json(value).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

std::string one_line(char const* message) {
    std::string text = message ? message : "";
    std::replace(text.begin(), text.end(), '\n', ' ');
    while (!text.empty() && text.back() == ' ') {
        text.pop_back();
    }
    return text;
}

}  // namespace callsink
