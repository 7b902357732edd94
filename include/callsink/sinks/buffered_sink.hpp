// Puts a best-effort sink (stdout, log) behind a bounded buffer and a thread of its own, so a
// slow or blocked destination (a stdout pipe nobody reads) never stalls the pipeline's writer (or
// the io thread writing a batch) or the replies that wait for it. write() only copies into the
// buffer (bounded in records and to 16 MiB); when it is full the records are dropped for this sink
// only, counted, and logged once when dropping starts and once when it stops. write() returns the
// outcome of the destination's last write, so the pipeline sees (and logs, and reports in /readyz)
// a failing destination like any other sink's.
//
// The thread is a Worker (base/worker.hpp). close() gives the inner sink a bounded time to drain
// and close; a destination still blocked after that is abandoned (the worker's thread is detached
// and owns what it needs), so shutdown never hangs on it.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <cstdint>
#include <memory>

#include "callsink/base/worker.hpp"
#include "callsink/sinks/sink.hpp"

namespace callsink {

class BufferedSink final : public Sink {
  public:
    BufferedSink(std::unique_ptr<Sink> inner, std::size_t capacity,
                 std::shared_ptr<spdlog::logger> logger,
                 std::chrono::milliseconds close_timeout = std::chrono::seconds(2));
    ~BufferedSink() override;
    BufferedSink(BufferedSink const&) = delete;
    BufferedSink& operator=(BufferedSink const&) = delete;

    std::string const& name() const override;
    boost::system::error_code write(std::span<Record const> batch) override;
    boost::system::error_code sync() override { return {}; }  // best-effort: nothing promised
    // Only copies into the buffer, whatever the sink behind it waits for.
    bool writes_without_waiting(std::size_t) const override { return true; }
    boost::system::error_code reopen() override;
    // The outcome of the inner sink's last write, so the writer's idle check sees a failure
    // that came after the last delivery (a write() only reports the one before it).
    boost::system::error_code check() override;
    void close() override;

    std::uint64_t dropped() const override;
    // Its buffer and what its thread is writing, plus what the sink behind it has not settled.
    std::uint64_t in_flight() const override;
    bool reachable() const override;
    std::string file_path() const override;

  private:
    struct State;
    std::shared_ptr<State> state_;  // guarded by worker_'s mutex, but for the inner sink
    std::chrono::milliseconds close_timeout_;
    bool closed_ = false;
    Worker worker_;
};

}  // namespace callsink
