// A sink that writes JSON Lines to standard output, for containers and journald. One write(2)
// per batch. The descriptor is a constructor argument so tests can hand it a pipe.
#pragma once

#include <string>

#include "callsink/sinks/sink.hpp"
#include "callsink/sinks/sink_registry.hpp"

namespace callsink {

class StdoutSink final : public Sink {
  public:
    explicit StdoutSink(int fd = 1);

    std::string const& name() const override { return name_; }
    boost::system::error_code write(std::span<Record const> batch) override;
    boost::system::error_code sync() override { return {}; }  // nothing to sync on a pipe or tty
    boost::system::error_code reopen() override { return {}; }
    void close() override {}

  private:
    int fd_;
    std::string name_ = "stdout";
    std::string buffer_;  // reused between batches
};

// type = "stdout": no keys of its own; best-effort unless required = true (a container whose
// only store is its log collector).
SinkType stdout_sink_type();

}  // namespace callsink
