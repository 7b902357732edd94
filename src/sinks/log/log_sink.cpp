#include "callsink/sinks/log/log_sink.hpp"

#include "callsink/base/log_text.hpp"

namespace callsink {

LogSink::LogSink(std::shared_ptr<spdlog::logger> logger) : logger_(std::move(logger)) {}

boost::system::error_code LogSink::write(std::span<Record const> batch) {
    std::string line;
    for (Record const& record : batch) {
        if (record.kind != RecordKind::event) {
            continue;
        }
        EventSummary const& summary = record.summary;
        // Values come from the delivery: log_value() keeps each one field.
        line.assign("event ").append(log_value(summary.event_type));
        for (std::size_t i = 0; i < summary.size(); ++i) {
            line.append(1, ' ').append(summary.label(i)).append(1, '=');
            line.append(log_value(summary.value(i)));
        }
        logger_->info("{}", line);
    }
    return {};
}

boost::system::error_code LogSink::sync() {
    logger_->flush();
    return {};
}

SinkType log_sink_type() {
    return SinkType{"log", {}, false, [](ConfigTable const&) {
                        return settings_without_options(
                            [](SinkContext const& context) -> std::unique_ptr<Sink> {
                                return std::make_unique<LogSink>(context.logger);
                            });
                    }};
}

}  // namespace callsink
