#include "callsink/http/session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "callsink/http/response_bytes.hpp"

namespace callsink {

namespace net = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;

Session::Session(Socket socket, ServerOptions const& options, RequestHandler& handler,
                 Metrics& metrics, std::shared_ptr<BufferBudget> budget,
                 std::shared_ptr<SessionRegistry> registry, std::shared_ptr<spdlog::logger> logger)
    : stream_(std::move(socket)),
      work_(stream_.get_executor().get_inner_executor()),
      options_(options),
      handler_(handler),
      metrics_(metrics),
      budget_(std::move(budget)),
      charge_(*budget_),
      registry_(std::move(registry)),
      logger_(std::move(logger)) {
    error_code ec;
    peer_ = stream_.socket().remote_endpoint(ec).address();
}

Session::~Session() {
    if (id_ != 0) {
        registry_->remove(id_);
    }
}

void Session::run() {
    id_ = registry_->add(weak_from_this());
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::do_wait_for_request, shared_from_this()));
}

void Session::stop() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
        self->stopping_ = true;
        if (self->idle_) {
            self->close();
        }
    });
}

void Session::abort() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
}

void Session::do_wait_for_request() {
    if (stopping_) {
        return close();
    }
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(options_.max_body_bytes);
    if (buffer_.size() > 0) {
        // A pipelined request is already here.
        request_start_ = std::chrono::steady_clock::now();
        return do_read_header();
    }
    // Between requests only the idle timeout applies; the read timeout starts with the first
    // byte, so a keep-alive connection is not cut off for being quiet. The first bytes land in
    // a small array of the session's own, so an idle connection holds no read buffer.
    idle_ = true;
    stream_.expires_after(options_.idle_timeout);
    stream_.async_read_some(
        net::buffer(first_bytes_),
        beast::bind_front_handler(&Session::on_first_bytes, shared_from_this()));
}

void Session::on_first_bytes(error_code ec, std::size_t bytes) {
    idle_ = false;
    if (ec) {
        return close();  // closed by the client, idle for too long, or stopped: all normal
    }
    // Room for the rest of a typical delivery (header and a few KiB of JSON), so it arrives in
    // one more recv instead of Beast's 512-byte steps.
    request_start_ = std::chrono::steady_clock::now();
    buffer_.reserve(kReadChunk);
    if (!charge_.try_hold(buffer_.capacity())) {
        return refuse_over_budget(11);
    }
    buffer_.commit(
        net::buffer_copy(buffer_.prepare(bytes), net::buffer(first_bytes_.data(), bytes)));
    do_read_header();
}

void Session::do_read_header() {
    stream_.expires_after(options_.read_timeout);
    // A step at a time rather than async_read_header, to charge the buffer as the header grows.
    // The parser is not eager, so a step stops at the end of the header, before the body.
    http::async_read_some(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::on_header_part, shared_from_this()));
}

void Session::on_header_part(error_code ec, std::size_t) {
    if (ec) {
        return reply_to_read_error(ec);
    }
    if (!charge_.try_hold(buffer_.capacity())) {
        return refuse_over_budget(parser_->get().version() == 10 ? 10 : 11);
    }
    if (!parser_->is_header_done()) {
        return http::async_read_some(
            stream_, buffer_, *parser_,
            beast::bind_front_handler(&Session::on_header_part, shared_from_this()));
    }
    on_header();
}

void Session::on_header() {
    auto const& header = parser_->get();
    // The declared length is charged before the body is read (or 100 Continue invites it); a
    // length over max_body_bytes is refused by the parser with 413 and never allocated.
    auto const length = parser_->content_length();
    std::size_t const body = length && *length <= options_.max_body_bytes ? *length : 0;
    if (!charge_.try_hold(buffer_.capacity() + body)) {
        return refuse_over_budget(header.version() == 10 ? 10 : 11);
    }
    if (header.version() >= 11 && beast::iequals(header[http::field::expect], "100-continue")) {
        // curl waits for this before sending a large body; Beast does not send it itself. An
        // HTTP/1.0 client cannot understand it, and RFC 9110 (10.1.1) says to ignore the header.
        continue_ = http::response<http::empty_body>{http::status::continue_, header.version()};
        return http::async_write(
            stream_, continue_,
            beast::bind_front_handler(&Session::on_continue_sent, shared_from_this()));
    }
    do_read_body();
}

void Session::on_continue_sent(error_code ec, std::size_t) {
    if (ec) {
        return close();
    }
    do_read_body();
}

void Session::do_read_body() {
    if (!parser_->chunked()) {
        return http::async_read(stream_, buffer_, *parser_,
                                beast::bind_front_handler(&Session::on_body, shared_from_this()));
    }
    // A chunked body's size is not known ahead: read it a step at a time and charge it as it
    // grows. Eager, so a step takes every chunk already in the buffer.
    parser_->eager(true);
    http::async_read_some(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::on_body_part, shared_from_this()));
}

void Session::on_body_part(error_code ec, std::size_t) {
    if (ec) {
        return reply_to_read_error(ec);
    }
    if (!charge_.try_hold(buffer_.capacity() + parser_->get().body().capacity())) {
        return refuse_over_budget(parser_->get().version() == 10 ? 10 : 11);
    }
    if (!parser_->is_done()) {
        return http::async_read_some(
            stream_, buffer_, *parser_,
            beast::bind_front_handler(&Session::on_body_part, shared_from_this()));
    }
    do_handle();
}

void Session::on_body(error_code ec, std::size_t) {
    if (ec) {
        return reply_to_read_error(ec);
    }
    do_handle();
}

void Session::do_handle() {
    stream_.expires_never();  // storing may take as long as the disk does; the pipeline answers
    request_ = parser_->release();
    parser_.reset();
    // The reply comes inline, or with its batch from the pipeline on whichever io thread runs it;
    // dispatch brings it to this strand, running it at once when the strand is free.
    handler_.handle(request_, peer_, [self = shared_from_this()](Response response) mutable {
        Session& session = *self;
        net::dispatch(session.stream_.get_executor(),
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
    stream_.expires_after(options_.read_timeout);
    net::async_write(stream_, net::buffer(wire_),
                     beast::bind_front_handler(&Session::on_write, shared_from_this(), keep_alive));
}

void Session::on_write(bool keep_alive, error_code ec, std::size_t) {
    std::string().swap(wire_);
    // Give back what the request used: thousands of idle keep-alive connections must stay cheap.
    request_ = {};
    if (buffer_.size() == 0) {
        buffer_.shrink_to_fit();
    }
    charge_.hold(buffer_.capacity());  // a pipelined request may be waiting in the buffer
    if (ec) {
        return close();
    }
    if (!keep_alive) {
        return linger_ ? do_linger() : close();
    }
    do_wait_for_request();
}

void Session::reply_to_read_error(error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
        return close();
    }
    unsigned const version = parser_->get().version() == 10 ? 10 : 11;
    // The body read so far (up to max_body_bytes of a chunked one) is no longer charged once the
    // reply is: free it now, not when the connection has finished lingering.
    parser_.reset();
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
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    idle_ = true;  // nothing left to answer: stop() may close it
    stream_.expires_after(kLinger);
    stream_.async_read_some(net::buffer(first_bytes_),
                            beast::bind_front_handler(&Session::on_linger, shared_from_this()));
}

void Session::on_linger(error_code ec, std::size_t bytes) {
    drained_ += bytes;
    if (ec || stopping_ || drained_ >= kLingerBytes) {
        return stream_.close();  // the client closed, or it has had its time
    }
    stream_.async_read_some(net::buffer(first_bytes_),
                            beast::bind_front_handler(&Session::on_linger, shared_from_this()));
}

void Session::close() {
    error_code ec;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    stream_.close();
}

}  // namespace callsink
