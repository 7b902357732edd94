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

}  // namespace callsink
