#include "callsink/sinks/log/log_sink.hpp"

#include "callsink/base/log_text.hpp"

namespace callsink {

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
