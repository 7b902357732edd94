// A logger for tests whose lines are kept in memory: what a component logged, and how many lines
// hold a text (once per outage, once per burst). Thread-safe as spdlog's _mt sinks are.
#pragma once

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <memory>
#include <sstream>
#include <string>

namespace callsink::testing {

class CapturedLog {
  public:
    std::shared_ptr<spdlog::logger> const& logger() const { return logger_; }

    std::string text() const {
        logger_->flush();
        return stream_.str();
    }

    std::size_t lines_with(std::string const& needle) const {
        std::istringstream lines(text());
        std::size_t count = 0;
        for (std::string line; std::getline(lines, line);) {
            count += line.find(needle) != std::string::npos ? 1 : 0;
        }
        return count;
    }

  private:
    std::ostringstream stream_;
    std::shared_ptr<spdlog::logger> logger_ = std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_));
};

}  // namespace callsink::testing
