#include "callsink/log_sink.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace callsink {

namespace {

bool is_plain(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':' || c == '+' || c == '@' || c == '/';
}

// Values come from the delivery: quote and escape anything that is not a plain token, so a
// "NO ANSWER" stays one grep-able field and an embedded newline cannot forge a log line.
std::string log_value(std::string const& value) {
    if (value.empty()) {
        return "-";
    }
    if (std::all_of(value.begin(), value.end(), is_plain)) {
        return value;
    }
    return nlohmann::json(value).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

}  // namespace

LogSink::LogSink(std::shared_ptr<spdlog::logger> logger) : logger_(std::move(logger)) {}

boost::system::error_code LogSink::write(std::span<Record const> batch) {
    for (Record const& record : batch) {
        if (record.kind != RecordKind::event) {
            continue;
        }
        EventSummary const& s = record.summary;
        logger_->info("event {} session={} call={} status={} direction={}", log_value(s.event_type),
                      log_value(s.session_id), log_value(s.call_id), log_value(s.status),
                      log_value(s.direction));
    }
    return {};
}

boost::system::error_code LogSink::sync() {
    logger_->flush();
    return {};
}

}  // namespace callsink
