// A sink that prints one human-readable spdlog line per event, for people tailing the daemon's
// log: the event type, then its type's summary fields as `label=value` pairs to grep for
// ("event CALL_STATUS session=… call=… status=… direction=…"). Rejections are not its business:
// the webhook handler (ingest/) logs those as warnings.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "callsink/sinks/sink.hpp"
#include "callsink/sinks/sink_registry.hpp"

namespace callsink {

class LogSink final : public Sink {
  public:
    explicit LogSink(std::shared_ptr<spdlog::logger> logger);

    std::string const& name() const override { return name_; }
    boost::system::error_code write(std::span<Record const> batch) override;
    boost::system::error_code sync() override;
    boost::system::error_code reopen() override { return {}; }
    void close() override {}

  private:
    std::shared_ptr<spdlog::logger> logger_;
    std::string name_ = "log";
};

// type = "log": no keys of its own; best-effort unless required = true.
SinkType log_sink_type();

}  // namespace callsink
