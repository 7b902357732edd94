// The daemon's io threads ([server] threads): one io_context per thread, each run by its own
// thread, rather than one io_context that every thread runs. A connection then lives on one
// thread from accept to close, so sessions need no strand, whose locking and bookkeeping cost
// every read and write (docs/performance.md), as in Asio's io_context-per-CPU server example.
// The listener spreads connections over them in turn (server.hpp). Context 0 also runs the
// listener and the replies to batches the pipeline's writer thread wrote (signals have a thread
// of their own, app/daemon.cpp).
//
// A context ends only after finish() and once it runs out of work: the pipeline's writer answers
// on context 0, so it must keep running while any connection on another thread waits for a reply.
#pragma once

#include <spdlog/logger.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <mutex>
#include <vector>

namespace callsink {

class IoThreads {
  public:
    explicit IoThreads(unsigned count);
    // Destroys context 0 first: the listener's pending accept there already holds a socket of
    // another context, which must still exist when that accept is destroyed.
    ~IoThreads();
    IoThreads(IoThreads const&) = delete;
    IoThreads& operator=(IoThreads const&) = delete;

    boost::asio::io_context& main() { return *contexts_.front(); }
    std::vector<boost::asio::io_context*> contexts() const;

    // Runs every context, context 0 on the calling thread, and returns when all have ended. An
    // exception escaping a handler is logged and stops them all, rather than unwinding past the
    // pipeline while records are in flight.
    void run(spdlog::logger& logger);

    // Lets each context end once it runs out of work. Thread-safe; once is enough.
    void finish();

  private:
    using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;

    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    std::mutex mutex_;  // guards_: finish() may come from any thread
    std::vector<Guard> guards_;
};

}  // namespace callsink
