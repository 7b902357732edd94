#include "callsink/http/session.hpp"

#include <time.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

#include "callsink/http/response_bytes.hpp"

namespace callsink {

namespace net = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;

Session::Session(Socket socket, net::ip::address peer, ServerOptions const& options,
                 RequestHandler& handler, Metrics& metrics, std::shared_ptr<BufferBudget> budget,
                 std::shared_ptr<SessionRegistry> registry, std::shared_ptr<spdlog::logger> logger)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      timer_step_(std::min(options.idle_timeout, options.read_timeout)),
      work_(socket_.get_executor()),
      options_(options),
      handler_(handler),
      metrics_(metrics),
      budget_(std::move(budget)),
      charge_(*budget_),
      registry_(std::move(registry)),
      logger_(std::move(logger)),
      peer_(std::move(peer)) {}

Session::~Session() {
    if (id_ != 0) {
        registry_->remove(id_);
    }
}

void Session::run() {
    id_ = registry_->add(weak_from_this());
    net::dispatch(socket_.get_executor(),
                  [self = shared_from_this()] { self->do_wait_for_request(); });
}

void Session::stop() {
    net::post(socket_.get_executor(), [self = shared_from_this()] {
        self->stopping_ = true;
        if (self->idle_) {
            self->close();
        }
    });
}

void Session::abort() {
    net::post(socket_.get_executor(), [self = shared_from_this()] { self->close(); });
}

namespace {

// CLOCK_MONOTONIC_COARSE, the clock steady_clock reads at a tick's resolution, plus that tick, so
// a deadline is never early (at most a tick late). Read for every deadline of every request: in
// a VM it costs 7 ns against steady_clock's 45.
Session::Clock::time_point coarse_now() {
    static std::chrono::nanoseconds const tick = [] {
        timespec resolution{};
        clock_getres(CLOCK_MONOTONIC_COARSE, &resolution);
        return std::chrono::seconds(resolution.tv_sec) +
               std::chrono::nanoseconds(resolution.tv_nsec);
    }();
    timespec now{};
    if (clock_gettime(CLOCK_MONOTONIC_COARSE, &now) != 0) {
        return Session::Clock::now();  // no coarse clock here: the precise one is never early
    }
    return Session::Clock::time_point(std::chrono::duration_cast<Session::Clock::duration>(
        std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec) + tick));
}

}  // namespace

void Session::expire_after(std::chrono::milliseconds timeout) {
    auto const now = coarse_now();
    deadline_ = now + timeout;
    // A pending wait that ends by the deadline will look again then; only a later one (or none)
    // is re-armed here. With timer_step_ that is rare: not once per request.
    if (!armed_ || *armed_ > deadline_) {
        arm_timer(std::min(deadline_, now + timer_step_));
    }
}

void Session::expire_never() {
    deadline_ = Clock::time_point::max();
}

void Session::arm_timer(Clock::time_point at) {
    armed_ = at;
    timer_.expires_at(at);  // cancels a pending wait: its handler sees operation_aborted
    // Weak: a pending wait does not keep a finished session alive; its destructor cancels it.
    timer_.async_wait([weak = weak_from_this()](error_code ec) {
        if (auto self = weak.lock()) {
            self->on_timer(ec);
        }
    });
}

void Session::on_timer(error_code ec) {
    if (ec == net::error::operation_aborted) {
        return;  // re-armed (the new wait is pending) or closed
    }
    armed_.reset();
    if (deadline_ == Clock::time_point::max() || !socket_.is_open()) {
        return;  // waiting for the pipeline: its reply sets the next deadline
    }
    // The precise clock here, once a step: coarse_now() runs up to a tick ahead, and a deadline
    // read against it could end a connection that much early.
    auto const now = Clock::now();
    if (now < deadline_) {
        return arm_timer(std::min(deadline_, now + timer_step_));
    }
    // Idle, or too slow to send its request or read its reply: the pending read or write ends
    // with operation_aborted, and its handler closes.
    close();
}

void Session::do_wait_for_request() {
    if (stopping_) {
        return close();
    }
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(options_.max_body_bytes);
    header_seen_ = false;
    if (buffer_.size() > 0) {
        // A pipelined request is already here.
        request_start_ = Clock::now();
        expire_after(options_.read_timeout);
        return parse();
    }
    // Between requests only the idle timeout applies; the read timeout starts with the first
    // byte, so a keep-alive connection is not cut off for being quiet. The first bytes land in
    // a small array of the session's own, so an idle connection holds no read buffer.
    idle_ = true;
    expire_after(options_.idle_timeout);
    socket_.async_read_some(net::buffer(first_bytes_),
                            [self = shared_from_this()](error_code ec, std::size_t bytes) {
                                self->on_first_bytes(ec, bytes);
                            });
}

void Session::on_first_bytes(error_code ec, std::size_t bytes) {
    idle_ = false;
    // Closed by the client, idle for too long, or stopped: all normal. A read that completed just
    // as stop() or the timer closed the socket is dropped, not stored: it could not be answered.
    if (ec || !socket_.is_open()) {
        return close();
    }
    request_start_ = Clock::now();
    expire_after(options_.read_timeout);
    // A typical delivery arrives whole in this first read: it is parsed where it lies, and the
    // read buffer is only allocated for what is left of it, or of a pipelined request.
    net::const_buffer input(first_bytes_.data(), bytes);
    error_code parse_ec;
    Step const step = feed(input, parse_ec);
    bool const incomplete = step == Step::more || step == Step::invite;
    if (incomplete || (step == Step::done && input.size() > 0)) {
        if (incomplete) {
            // Room for the rest (a few KiB of JSON), so it arrives in one more recv rather than
            // in 512-byte steps.
            buffer_.reserve(kReadChunk);
        }
        buffer_.commit(net::buffer_copy(buffer_.prepare(input.size()), input));
    }
    proceed(step, parse_ec);
}

void Session::do_read() {
    // As Beast's read_some sizes it: what the buffer has room for, at least 512 bytes, at most
    // 64 KiB, never past its cap (the header and what a chunked body may add to it are capped).
    std::size_t const room =
        std::min(std::max<std::size_t>(512, buffer_.capacity() - buffer_.size()),
                 std::min<std::size_t>(64 * 1024, buffer_.max_size() - buffer_.size()));
    if (room == 0) {
        return reply_to_read_error(http::error::buffer_overflow);
    }
    socket_.async_read_some(buffer_.prepare(room),
                            [self = shared_from_this()](error_code ec, std::size_t bytes) {
                                self->on_read(ec, bytes);
                            });
}

void Session::on_read(error_code ec, std::size_t bytes) {
    if (ec == net::error::eof) {
        // As Beast's read: an end between requests is the client leaving; the end of a request
        // under way leaves a malformed one.
        if (!parser_->got_some()) {
            return reply_to_read_error(http::error::end_of_stream);
        }
        parser_->put_eof(ec);
        return reply_to_read_error(ec ? ec : error_code(http::error::partial_message));
    }
    if (ec) {
        return reply_to_read_error(ec);
    }
    if (!socket_.is_open()) {
        return close();  // timed out or aborted as these bytes arrived: no reply could be sent
    }
    buffer_.commit(bytes);
    parse();
}

// What the request in progress holds: the read buffer, and once the header is read the declared
// body (charged before it is read, or 100 Continue invites it) or what a chunked body has grown
// to. A length over max_body_bytes is refused by the parser with 413 and never allocated.
std::size_t Session::request_holding() const {
    std::size_t held = buffer_.capacity();
    if (header_seen_) {
        if (parser_->chunked()) {
            held += parser_->get().body().capacity();
        } else if (auto const length = parser_->content_length();
                   length && *length <= options_.max_body_bytes) {
            held += *length;
        }
    }
    return held;
}

// Feeds the parser what the buffer holds.
void Session::parse() {
    net::const_buffer input = buffer_.data();
    error_code ec;
    Step const step = feed(input, ec);
    buffer_.consume(buffer_.size() - input.size());
    proceed(step, ec);
}

// Feeds the parser from `input`, moving it past what the parser took, until the request is
// complete or more must be read.
Session::Step Session::feed(net::const_buffer& input, error_code& ec) {
    for (;;) {
        std::size_t const used = parser_->put(input, ec);
        input += used;
        if (ec && ec != http::error::need_more) {
            return Step::failed;
        }
        if (!header_seen_ && parser_->is_header_done()) {
            header_seen_ = true;
            // The body: every chunk or byte already in the input in one step.
            parser_->eager(true);
            // The declared body is charged before it is read, or 100 Continue invites it.
            if (!charge_.try_hold(request_holding())) {
                return Step::refused;
            }
            // Not when the body is already coming: RFC 9110 (10.1.1) lets a server skip it then.
            auto const& header = parser_->get();
            if (header.version() >= 11 && !parser_->is_done() && input.size() == 0 &&
                beast::iequals(header[http::field::expect], "100-continue")) {
                return Step::invite;
            }
        }
        if (parser_->is_done()) {
            return Step::done;
        }
        if (ec == http::error::need_more || used == 0 || input.size() == 0) {
            ec = {};
            return Step::more;
        }
    }
}

// What follows a feed(), once what the parser left is in the read buffer.
void Session::proceed(Step step, error_code ec) {
    unsigned const version = parser_->get().version() == 10 ? 10 : 11;
    switch (step) {
        case Step::failed:
            return reply_to_read_error(ec);
        case Step::refused:
            return refuse_over_budget(version);
        case Step::done:
            // The last read step too: it may have grown a chunked body (and holds a pipelined
            // request's first bytes).
            if (!charge_.try_hold(request_holding())) {
                return refuse_over_budget(version);
            }
            return do_handle();
        case Step::invite:
        case Step::more:
            break;
    }
    // Charged after every read step, so a growing header or chunked body is counted as it grows.
    if (!charge_.try_hold(request_holding())) {
        return refuse_over_budget(version);
    }
    if (step == Step::more) {
        return do_read();
    }
    // curl waits for this before sending a large body; Beast does not send it itself. An
    // HTTP/1.0 client cannot understand it, and RFC 9110 (10.1.1) says to ignore the header.
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](error_code ec, std::size_t bytes) {
                         self->on_continue_sent(ec, bytes);
                     });
}

void Session::on_continue_sent(error_code ec, std::size_t) {
    if (ec || !socket_.is_open()) {
        return close();  // closed as the write ended: what is buffered must not be stored
    }
    parse();
}

void Session::do_handle() {
    expire_never();  // storing may take as long as the disk does; the pipeline answers
    request_ = parser_->release();
    parser_.reset();
    // The reply comes inline, or with its batch from the pipeline on whichever thread runs it;
    // dispatch brings it to this session's io thread, running it at once when already there.
    handler_.handle(request_, peer_, [self = shared_from_this()](Response response) mutable {
        Session& session = *self;
        net::dispatch(session.socket_.get_executor(),
                      [self = std::move(self), response = std::move(response)]() mutable {
                          self->do_write(std::move(response));
                      });
    });
    // The handler has made its record from the body. Until the reply, the charge stays: it
    // stands for that record, held by the pipeline until it is stored.
    std::string().swap(request_.body());
}

void Session::do_write(Response response) {
    if (request_.method() == http::verb::head) {
        response.body().clear();  // Content-Length stays: the GET's length
    }
    bool const keep_alive = request_.keep_alive() && !stopping_;
    response.keep_alive(keep_alive);
    metrics_.observe_request(response.result_int(),
                             std::chrono::steady_clock::now() - request_start_);
    wire_ = response_bytes(response);
    // A client that does not read its reply holds it: that is charged too, whatever the use, as
    // the reply exists already. It is smaller than the request it replaces.
    charge_.hold(buffer_.capacity() + wire_.capacity());
    expire_after(options_.read_timeout);
    net::async_write(socket_, net::buffer(wire_),
                     [self = shared_from_this(), keep_alive](error_code ec, std::size_t bytes) {
                         self->on_write(keep_alive, ec, bytes);
                     });
}

void Session::on_write(bool keep_alive, error_code ec, std::size_t) {
    std::string().swap(wire_);
    // Give back what the request used: thousands of idle keep-alive connections must stay cheap.
    request_ = {};
    if (buffer_.size() == 0) {
        buffer_.shrink_to_fit();
    }
    charge_.hold(buffer_.capacity());  // a pipelined request may be waiting in the buffer
    if (ec || !socket_.is_open()) {
        // Also closed by the timer or abort() as the write ended: a pipelined request in the
        // buffer is not stored, since its reply could not be sent.
        return close();
    }
    if (!keep_alive) {
        return linger_ ? do_linger() : close();
    }
    do_wait_for_request();
}

void Session::reply_to_read_error(error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || !socket_.is_open()) {
        return close();
    }
    unsigned const version = parser_->get().version() == 10 ? 10 : 11;
    // The body read so far (up to max_body_bytes of a chunked one) and the bytes not parsed yet
    // are no longer charged once the reply is: free them now, not when the connection has
    // finished lingering (which discards whatever else arrives).
    parser_.reset();
    buffer_ = beast::flat_buffer{kReadBufferLimit};
    // The reply must close the connection: what follows in the stream is out of step now.
    request_ = {};
    request_.keep_alive(false);
    linger_ = true;
    if (ec == http::error::body_limit) {
        return do_write(error_response(http::status::payload_too_large, version,
                                       "the body is larger than server.max_body_bytes (" +
                                           std::to_string(options_.max_body_bytes) + " bytes)"));
    }
    if (ec == http::error::header_limit) {
        return do_write(error_response(http::status::request_header_fields_too_large, version,
                                       "the request header is larger than 16 KiB"));
    }
    logger_->debug("bad request from {}: {}", peer_.to_string(), ec.message());
    do_write(error_response(http::status::bad_request, version,
                            "malformed HTTP request: " + ec.message()));
}

void Session::refuse_over_budget(unsigned version) {
    // Refused, not paused: a paused connection keeps what it holds and its slot for as long as
    // the client waits, and the sender learns nothing; a 503 frees both at once and tells it to
    // retry (docs/configuration.md, max_buffered_bytes).
    parser_.reset();
    buffer_ = beast::flat_buffer{kReadBufferLimit};
    charge_.hold(0);
    request_ = {};
    request_.keep_alive(false);
    linger_ = true;
    Response response =
        error_response(http::status::service_unavailable, version,
                       "the server holds server.max_buffered_bytes of unfinished requests; retry "
                       "later");
    response.set(http::field::retry_after, "1");
    do_write(std::move(response));
}

void Session::do_linger() {
    error_code ec;
    socket_.shutdown(net::ip::tcp::socket::shutdown_send, ec);
    idle_ = true;  // nothing left to answer: stop() may close it
    expire_after(kLinger);
    socket_.async_read_some(net::buffer(first_bytes_),
                            [self = shared_from_this()](error_code ec, std::size_t bytes) {
                                self->on_linger(ec, bytes);
                            });
}

void Session::on_linger(error_code ec, std::size_t bytes) {
    drained_ += bytes;
    if (ec || stopping_ || drained_ >= kLingerBytes) {
        return close();  // the client closed, or it has had its time
    }
    socket_.async_read_some(net::buffer(first_bytes_),
                            [self = shared_from_this()](error_code ec, std::size_t bytes) {
                                self->on_linger(ec, bytes);
                            });
}

void Session::close() {
    // close() alone sends the FIN after what is still queued, as shutdown() would: one system call
    // a connection less. Unread bytes make it a reset either way, which do_linger() is there for.
    error_code ec;
    socket_.close(ec);
    timer_.cancel();
    armed_.reset();
}

}  // namespace callsink
