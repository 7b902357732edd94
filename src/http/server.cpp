#include "callsink/http/server.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <stdexcept>

#include "callsink/http/session.hpp"

namespace callsink {

namespace net = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;
using net::ip::tcp;

namespace {

tcp::endpoint resolve_listen(net::io_context& ioc, ListenAddress const& listen) {
    error_code ec;
    auto const address = net::ip::make_address(listen.host, ec);
    if (!ec) {
        return {address, listen.port};
    }
    tcp::resolver resolver(ioc);
    auto const results = resolver.resolve(listen.host, std::to_string(listen.port), ec);
    if (ec || results.empty()) {
        throw std::runtime_error("cannot resolve listen host \"" + listen.host +
                                 "\": " + ec.message());
    }
    return results.begin()->endpoint();
}

std::string describe(tcp::endpoint const& endpoint) {
    auto const host = endpoint.address().to_string();
    return (endpoint.address().is_v6() ? "[" + host + "]" : host) + ":" +
           std::to_string(endpoint.port());
}

}  // namespace

Server::Server(net::io_context& ioc, ServerOptions options, RequestHandler& handler,
               Metrics& metrics, std::shared_ptr<spdlog::logger> logger,
               std::vector<net::io_context*> session_contexts)
    : ioc_(ioc),
      session_contexts_(std::move(session_contexts)),
      options_(std::move(options)),
      handler_(handler),
      metrics_(metrics),
      logger_(std::move(logger)),
      budget_(std::make_shared<BufferBudget>(options_.max_buffered_bytes, metrics_, logger_)),
      acceptor_(ioc),
      retry_timer_(acceptor_.get_executor()),
      deadline_timer_(acceptor_.get_executor()) {
    tcp::endpoint const endpoint = resolve_listen(ioc, options_.listen);
    auto const fail = [&](char const* step, error_code const& ec) {
        throw std::runtime_error(std::string("cannot ") + step + " " + describe(endpoint) + ": " +
                                 ec.message() + " (server.listen or --listen)");
    };
    error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) {
        fail("open a socket for", ec);
    }
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    acceptor_.bind(endpoint, ec);
    if (ec) {
        fail("listen on", ec);
    }
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        fail("listen on", ec);
    }
}

Server::~Server() {
    registry_->cancel_when_empty();
}

tcp::endpoint Server::local_endpoint() const {
    error_code ec;
    return acceptor_.local_endpoint(ec);
}

void Server::start() {
    logger_->info("listening on {}", describe(local_endpoint()));
    net::post(acceptor_.get_executor(), [this] { do_accept(); });
}

void Server::do_accept() {
    net::io_context& context = session_contexts_.empty()
                                   ? ioc_
                                   : *session_contexts_[next_context_++ % session_contexts_.size()];
    // With the peer's address from accept() itself: no getpeername() a connection.
    acceptor_.async_accept(context, accepted_peer_,
                           beast::bind_front_handler(&Server::on_accept, this));
}

void Server::on_accept(error_code ec, Session::Socket socket) {
    if (!acceptor_.is_open()) {
        return;  // stopped
    }
    if (ec) {
        // Out of descriptors, typically: pause instead of spinning on the same error.
        logger_->error("accept failed: {}; retrying in 100 ms", ec.message());
        retry_timer_.expires_after(std::chrono::milliseconds(100));
        retry_timer_.async_wait([this](error_code wait_ec) {
            if (!wait_ec && acceptor_.is_open()) {
                do_accept();
            }
        });
        return;
    }
    if (registry_->size() >= options_.max_connections) {
        logger_->warn("refused a connection: server.max_connections ({}) are open",
                      options_.max_connections);
        socket.close(ec);
    } else {
        std::make_shared<Session>(std::move(socket), accepted_peer_.address(), options_, handler_,
                                  metrics_, budget_, registry_, logger_)
            ->run();
    }
    do_accept();
}

void Server::stop(std::chrono::milliseconds deadline, std::function<void()> closed) {
    net::post(acceptor_.get_executor(), [this, deadline, closed = std::move(closed)]() mutable {
        error_code ec;
        acceptor_.close(ec);
        retry_timer_.cancel();
        auto const open = registry_->size();
        logger_->info("stopped accepting; waiting for {} open connection(s) to finish", open);
        for (auto const& session : registry_->snapshot()) {
            session->stop();
        }
        deadline_timer_.expires_after(deadline);
        deadline_timer_.async_wait([this](error_code wait_ec) {
            if (wait_ec) {
                return;  // every session finished in time
            }
            auto const left = registry_->snapshot();
            logger_->warn("closing {} connection(s) still open at the shutdown deadline",
                          left.size());
            for (auto const& session : left) {
                session->abort();
            }
        });
        registry_->when_empty([this, closed = std::move(closed)] {
            net::post(acceptor_.get_executor(), [this] { deadline_timer_.cancel(); });
            if (closed) {
                closed();
            }
        });
    });
}

}  // namespace callsink
