// A blocking HTTP/1.1 client for the http tests: it writes raw bytes to a server on a loopback
// port and reads the replies with Beast's parser. Every read is bounded: it runs the client's own
// io_context for at most its timeout, so a server that says nothing fails the test instead of
// hanging it, and a close (end of stream, reset) is told apart from silence. One thread at a time.
#pragma once

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/http/messages.hpp"
#include "eventually.hpp"

namespace callsink::testing {

// A request's header announcing a body of `content_length` bytes (which the caller sends, or not).
inline std::string post_header(std::string_view target, std::size_t content_length,
                               std::string_view extra_headers = "") {
    return "POST " + std::string(target) +
           " HTTP/1.1\r\nHost: callsink\r\nContent-Length: " + std::to_string(content_length) +
           "\r\n" + std::string(extra_headers) + "\r\n";
}

inline std::string post(std::string_view target, std::string_view body,
                        std::string_view extra_headers = "") {
    return post_header(target, body.size(), extra_headers) + std::string(body);
}

class HttpClient {
  public:
    using tcp = boost::asio::ip::tcp;
    using error_code = boost::system::error_code;

    explicit HttpClient(tcp::endpoint const& server) : socket_(ioc_) { socket_.connect(server); }

    // A client whose socket takes at most about `receive_buffer` bytes it has not read.
    HttpClient(tcp::endpoint const& server, int receive_buffer) : socket_(ioc_) {
        socket_.open(server.protocol());
        socket_.set_option(boost::asio::socket_base::receive_buffer_size(receive_buffer));
        socket_.connect(server);
    }

    void send(std::string_view bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }

    // Sends what may be more than the socket buffers take, for as long as the server reads it;
    // the error that stopped it (timed_out when the server stopped reading).
    error_code send_within(std::string_view bytes, std::chrono::milliseconds timeout) {
        return complete_within(timeout, [&](auto on_done) {
            boost::asio::async_write(socket_, boost::asio::buffer(bytes), on_done);
        });
    }

    // The next response; an error when the connection closed first (eof) or nothing came in time.
    boost::system::result<Response> read(std::chrono::milliseconds timeout = kTimeout) {
        return read_response(false, timeout);
    }

    // The next response, to a HEAD request: a header whose Content-Length announces no body.
    boost::system::result<Response> read_head_response() { return read_response(true, kTimeout); }

    // Reads and discards the next `count` bytes of the stream, whatever they are; the error that
    // stopped it first (timed_out when they did not come in time).
    error_code skip(std::size_t count, std::chrono::milliseconds timeout = kTimeout) {
        std::size_t const buffered = std::min(count, buffer_.size());
        buffer_.consume(buffered);
        std::vector<char> discarded(count - buffered);
        return complete_within(timeout, [&](auto on_done) {
            boost::asio::async_read(socket_, boost::asio::buffer(discarded), on_done);
        });
    }

    // What ends the stream after the bytes read so far: eof for a clean close, connection_reset
    // when the server reset it, timed_out when it stays open; a byte more is an error too.
    error_code end_of_stream(std::chrono::milliseconds timeout = kTimeout) {
        if (buffer_.size() != 0) {
            return boost::asio::error::message_size;
        }
        char byte = 0;
        error_code const end = complete_within(timeout, [&](auto on_done) {
            socket_.async_read_some(boost::asio::buffer(&byte, 1), on_done);
        });
        return end ? end : error_code(boost::asio::error::message_size);
    }

    // Whether the server closes the connection (end of stream or reset) within the timeout,
    // with no byte before that.
    bool closed_by_server(std::chrono::milliseconds timeout = kTimeout) {
        error_code const end = end_of_stream(timeout);
        return end == boost::asio::error::eof || end == boost::asio::error::connection_reset;
    }

    void close() {
        error_code ec;
        socket_.close(ec);
    }

  private:
    boost::system::result<Response> read_response(bool head, std::chrono::milliseconds timeout) {
        http::response_parser<http::string_body> parser;
        parser.skip(head);
        error_code const ec = complete_within(
            timeout, [&](auto on_done) { http::async_read(socket_, buffer_, parser, on_done); });
        if (ec) {
            return ec;
        }
        return parser.release();
    }

    // Starts one operation with `start(on_done)` and runs the client's io_context until it ends
    // or `timeout` passes: the operation's error, or timed_out, with it cancelled.
    template <typename Start>
    error_code complete_within(std::chrono::milliseconds timeout, Start start) {
        std::optional<error_code> outcome;
        start([&outcome](error_code ec, std::size_t) { outcome = ec; });
        ioc_.restart();
        ioc_.run_for(timeout);
        if (outcome) {
            return *outcome;
        }
        error_code ignored;
        socket_.cancel(ignored);
        ioc_.restart();
        ioc_.run();
        return boost::asio::error::timed_out;
    }

    boost::asio::io_context ioc_;
    tcp::socket socket_;
    boost::beast::flat_buffer buffer_;
};

}  // namespace callsink::testing
