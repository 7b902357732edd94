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
                 Metrics& metrics, std::shared_ptr<SessionRegistry> registry,
                 std::shared_ptr<spdlog::logger> logger)
    : stream_(std::move(socket)),
      work_(stream_.get_executor().get_inner_executor()),
      options_(options),
      handler_(handler),
      metrics_(metrics),
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
    buffer_.reserve(kReadChunk);
    buffer_.commit(
        net::buffer_copy(buffer_.prepare(bytes), net::buffer(first_bytes_.data(), bytes)));
    do_read_header();
}

void Session::do_read_header() {
    request_start_ = std::chrono::steady_clock::now();
    stream_.expires_after(options_.read_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_header, shared_from_this()));
}

void Session::on_header(error_code ec, std::size_t) {
    if (ec) {
        return reply_to_read_error(ec);
    }
    auto const& header = parser_->get();
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
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_body, shared_from_this()));
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
    if (ec || !keep_alive) {
        return close();
    }
    do_wait_for_request();
}

void Session::reply_to_read_error(error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
        return close();
    }
    unsigned const version = parser_->get().version() == 10 ? 10 : 11;
    // The reply must close the connection: what follows in the stream is out of step now.
    request_ = {};
    request_.keep_alive(false);
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

void Session::close() {
    error_code ec;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    stream_.close();
}

}  // namespace callsink
