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
// reply instead of a reset, without the session holding any buffer.
//
// Every handler runs on the connection's strand; stop() may be called from any thread. The
// stream's executor is that strand's concrete type, not Beast's tcp_stream default
// (any_io_executor), which would type-erase and copy the strand at every step of every read and
// write.
#pragma once

#include <spdlog/logger.h>

#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
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
    using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
    using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Strand>;

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

    Session(Socket socket, ServerOptions const& options, RequestHandler& handler, Metrics& metrics,
            std::shared_ptr<BufferBudget> budget, std::shared_ptr<SessionRegistry> registry,
            std::shared_ptr<spdlog::logger> logger);
    ~Session();

    void run();

    // Finish the request in progress, if any, then close. Thread-safe.
    void stop();

    // Close now, whatever is in progress (the shutdown deadline passed). Thread-safe.
    void abort();

  private:
    void do_wait_for_request();
    void on_first_bytes(boost::system::error_code ec, std::size_t bytes);
    void do_read_header();
    void on_header_part(boost::system::error_code ec, std::size_t bytes);
    void on_header();
    void on_continue_sent(boost::system::error_code ec, std::size_t bytes);
    void do_read_body();
    void on_body_part(boost::system::error_code ec, std::size_t bytes);
    void on_body(boost::system::error_code ec, std::size_t bytes);
    void do_handle();
    void do_write(Response response);
    void on_write(bool keep_alive, boost::system::error_code ec, std::size_t bytes);
    void reply_to_read_error(boost::system::error_code ec);
    void refuse_over_budget(unsigned version);
    void do_linger();
    void on_linger(boost::system::error_code ec, std::size_t bytes);
    void close();

    boost::beast::basic_stream<boost::asio::ip::tcp, Strand> stream_;
    // While its reply waits in the pipeline a session has no I/O pending, and nothing else would
    // keep the io_context running until the reply arrives, even while shutting down. Held for
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
    Request request_;
    std::string wire_;  // the reply being written, as bytes (response_bytes.hpp)
    http::response<http::empty_body> continue_;
    std::chrono::steady_clock::time_point request_start_;
    bool idle_ = false;        // waiting for a request's first byte: safe to close on stop()
    bool stopping_ = false;    // answer what is in progress, then close
    bool linger_ = false;      // the client may still be sending: drain before closing
    std::size_t drained_ = 0;  // bytes discarded while lingering
};

}  // namespace callsink
