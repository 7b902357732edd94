#include "callsink/sinks/sink_registry.hpp"

#include <stdexcept>

#include "callsink/sinks/buffered_sink.hpp"
#include "callsink/sinks/file/file_sink.hpp"
#include "callsink/sinks/log/log_sink.hpp"
#include "callsink/sinks/stdout/stdout_sink.hpp"

namespace callsink {

namespace {

// Records a best-effort sink may fall behind by before its records are dropped: about 10 MB of
// typical 8x8 events, and seconds of traffic at full speed.
constexpr std::size_t kBestEffortBuffer = 10'000;

std::unique_ptr<FileSink> open_file_sink(FileSinkOptions options, std::string const& key,
                                         spdlog::logger& logger) {
    std::string const path = options.path.string();
    auto sink = std::make_unique<FileSink>(std::move(options));
    if (auto ec = sink->open()) {
        throw ConfigError(key, "cannot open " + sink->name() + ": " + ec.message() +
                                   "; check that the folder exists and is writable");
    }
    if (auto const torn = sink->torn_bytes_set_aside()) {
        logger.warn(
            "{} ended in a partial line ({} bytes, never acknowledged); moved it to {}.torn", path,
            torn, path);
    }
    return sink;
}

}  // namespace

std::vector<SinkSlot> make_event_sinks(std::vector<SinkOptions> const& options,
                                       std::shared_ptr<spdlog::logger> const& logger) {
    std::vector<SinkSlot> slots;
    for (std::size_t i = 0; i < options.size(); ++i) {
        SinkOptions const& o = options[i];
        std::unique_ptr<Sink> sink;
        switch (o.type) {
            case SinkType::file:
                sink = open_file_sink({o.path, o.max_bytes, o.max_files},
                                      "sinks[" + std::to_string(i) + "].path", *logger);
                break;
            case SinkType::stdout_lines:
                sink = std::make_unique<StdoutSink>();
                break;
            case SinkType::log:
                sink = std::make_unique<LogSink>(logger);
                break;
        }
        if (!o.required) {
            sink = std::make_unique<BufferedSink>(std::move(sink), kBestEffortBuffer, logger);
        }
        slots.push_back(SinkSlot{std::move(sink), o.required});
    }
    return slots;
}

SinkSlot make_rejects_sink(RejectsOptions const& options, spdlog::logger& logger) {
    return SinkSlot{open_file_sink({options.path, options.max_bytes, options.max_files},
                                   "rejects.path", logger),
                    true};
}

}  // namespace callsink
