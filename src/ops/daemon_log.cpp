#include "callsink/ops/daemon_log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <nlohmann/json.hpp>

namespace callsink {

namespace {

// %* in a pattern: the message as a JSON string, quoted and escaped.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
  public:
    void format(spdlog::details::log_msg const& msg, std::tm const&,
                spdlog::memory_buf_t& dest) override {
        std::string_view const text(msg.payload.data(), msg.payload.size());
        std::string const quoted =
            nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        dest.append(quoted.data(), quoted.data() + quoted.size());
    }

    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<JsonMessageFlag>();
    }
};

}  // namespace

std::shared_ptr<spdlog::logger> make_daemon_logger(LogOptions const& options) {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto logger = std::make_shared<spdlog::logger>("callsink", std::move(sink));
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    if (options.format == LogFormat::json) {
        formatter->add_flag<JsonMessageFlag>('*').set_pattern(
            R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","message":%*})");
    } else {
        formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v");
    }
    logger->set_formatter(std::move(formatter));
    logger->set_level(spdlog::level::from_str(options.level));
    logger->flush_on(spdlog::level::info);
    return logger;
}

}  // namespace callsink
