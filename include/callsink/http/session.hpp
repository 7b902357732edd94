// One HTTP/1.x connection, from accept to close, as a chain of do_x()/on_x() steps in the style
// of Beast's async server examples: wait for a request, read its header, read its body, hand it to
// the RequestHandler, write the reply, and again while the connection is kept alive. Pipelined
// requests wait in the read buffer and are answered in order.
//
// Limits: idle_timeout bounds the wait for a request's first byte, read_timeout the whole request
// from there (a client that trickles its header or body is cut off), max_body_bytes is checked
// against Content-Length before the body is read (413) and while a chunked body arrives. What the
// connection holds of the request (read buffer, body, then its reply) is charged to the shared
// BufferBudget after every read step: the declared Content-Length before the body is read (and
// before 100 Continue), a chunked body as it grows. A request the budget cannot take is answered
// 503 with Retry-After and the connection closed, not paused: docs/configuration.md says why.
//
// A connection closed while the client may still be sending (413, 503, 400) lingers: it stops
// writing, then reads and discards for up to kLinger (and kLingerBytes), so the client reads the
// reply instead of a reset, without the session holding any buffer (what it had read of the
// request is freed when the reply is made).
//
// A session lives on one io_context, run by one thread (io_threads.hpp), so its handlers never
// run at the same time and it needs no strand; stop() and abort() post to it from any thread. It
// reads from a plain socket and feeds Beast's request parser itself, and keeps one timer whose
// wait is re-armed lazily: a new deadline is a store, not a timer operation, so a busy connection
// costs no timer work per request (Beast's basic_stream re-armed a timer, and copied a shared
// state, at every read and write).
#pragma once

#include <spdlog/logger.h>

#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "callsink/http/buffer_budget.hpp"
#include "callsink/http/request_handler.hpp"
#include "callsink/http/server_options.hpp"
#include "callsink/http/session_registry.hpp"
#include "callsink/ops/metrics.hpp"

namespace callsink {

class Session : public std::enable_shared_from_this<Session> {
  public:
    using Executor = boost::asio::io_context::executor_type;
    using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>;
    using Timer = boost::asio::basic_waitable_timer<
        std::chrono::steady_clock, boost::asio::wait_traits<std::chrono::steady_clock>, Executor>;
    using Clock = std::chrono::steady_clock;

    static constexpr std::size_t kHeaderLimit = 16 * 1024;
    static constexpr std::size_t kReadBufferLimit = kHeaderLimit + 64 * 1024;
    static constexpr std::size_t kReadChunk = 4096;
    // The idle wait reads into the session's own array: an idle connection holds no read buffer,
    // yet a typical CALL_STATUS with its header (under 1 KiB) arrives in that one recv.
    static constexpr std::size_t kFirstRead = 1024;
    // A lingering close drains for this long, and this much, at most: enough for a client that
    // sends a delivery before reading the reply; an attacker's megabytes are not worth the CPU.
    static constexpr std::chrono::milliseconds kLinger{2000};
    static constexpr std::size_t kLingerBytes = 64 * 1024;

    // `peer` is the address accept() gave with the socket.
    Session(Socket socket, boost::asio::ip::address peer, ServerOptions const& options,
            RequestHandler& handler, Metrics& metrics, std::shared_ptr<BufferBudget> budget,
            std::shared_ptr<SessionRegistry> registry, std::shared_ptr<spdlog::logger> logger);
    ~Session();

    void run();

    // Finish the request in progress, if any, then close. Thread-safe.
    void stop();

    // Close now, whatever is in progress (the shutdown deadline passed). Thread-safe.
    void abort();

  private:
    void do_wait_for_request();
    void on_first_bytes(boost::system::error_code ec, std::size_t bytes);
    // Where parsing stopped: the request is complete, more must be read, 100 Continue is due,
    // the budget refused the declared body, or the request is malformed.
    enum class Step { done, more, invite, refused, failed };

    void do_read();
    void on_read(boost::system::error_code ec, std::size_t bytes);
    void parse();
    Step feed(boost::asio::const_buffer& input, boost::system::error_code& ec);
    void proceed(Step step, boost::system::error_code ec);
    void on_continue_sent(boost::system::error_code ec, std::size_t bytes);
    std::size_t request_holding() const;
    void do_handle();
    void do_write(Response response);
    void on_write(bool keep_alive, boost::system::error_code ec, std::size_t bytes);
    void reply_to_read_error(boost::system::error_code ec);
    void refuse_over_budget(unsigned version);
    void do_linger();
    void on_linger(boost::system::error_code ec, std::size_t bytes);
    void close();

    // The connection is closed at `deadline_`, whatever is pending (idle, read or write).
    void expire_after(std::chrono::milliseconds timeout);
    void expire_never();
    void arm_timer(Clock::time_point at);
    void on_timer(boost::system::error_code ec);

    Socket socket_;
    Timer timer_;
    Clock::time_point deadline_ = Clock::time_point::max();
    std::optional<Clock::time_point> armed_;  // when the timer's pending wait ends, if one is
    // The timer waits at most this long before it looks at deadline_ again (the shortest of the
    // idle and read timeouts): a new idle or read deadline is then at or after the pending
    // wait's end. The lingering close's shorter one re-arms it (expire_after).
    std::chrono::milliseconds timer_step_;
    // While its reply waits in the pipeline a session has no I/O pending, and nothing else would
    // keep a bare io_context (the tests') running until the reply arrives, even while shutting
    // down; the daemon's IoThreads also hold theirs until the last connection is gone. Held for
    // the connection's life: it costs nothing per request.
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    // Capped: Beast bounds the header, but not a chunk-size line's extensions or the trailers,
    // which would otherwise grow this buffer for as long as the client sends them.
    boost::beast::flat_buffer buffer_{kReadBufferLimit};
    std::array<char, kFirstRead> first_bytes_;  // the idle wait's read target
    ServerOptions const& options_;
    RequestHandler& handler_;
    Metrics& metrics_;
    std::shared_ptr<BufferBudget> budget_;  // kept alive for charge_, which gives back to it
    BufferCharge charge_;                   // what this connection holds of the budget
    std::shared_ptr<SessionRegistry> registry_;
    std::shared_ptr<spdlog::logger> logger_;
    std::uint64_t id_ = 0;
    boost::asio::ip::address peer_;

    std::optional<http::request_parser<http::string_body>> parser_;
    bool header_seen_ = false;  // feed() has charged and checked the request's header
    Request request_;
    std::string wire_;  // the reply being written, as bytes (response_bytes.hpp)
    std::chrono::steady_clock::time_point request_start_;
    bool idle_ = false;        // waiting for a request's first byte: safe to close on stop()
    bool stopping_ = false;    // answer what is in progress, then close
    bool linger_ = false;      // the client may still be sending: drain before closing
    std::size_t drained_ = 0;  // bytes discarded while lingering
};

}  // namespace callsink
