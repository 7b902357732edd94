// Accepts TCP connections and gives each to a Session; owns the listening socket and the
// shutdown of the connections (in that order: stop accepting, let sessions finish what they
// are doing, close the idle ones, force-close whatever is left at the deadline).
//
// Constructed at start-up, where a failure to bind is an exception naming the address. start()
// and stop() may be called from any thread. The listener runs on `ioc`, which one thread must run
// (it has no strand); each accepted connection goes to the next of `session_contexts` in turn
// (io_threads.hpp), or to `ioc` when none are given.
#pragma once

#include <spdlog/logger.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "callsink/http/buffer_budget.hpp"
#include "callsink/http/request_handler.hpp"
#include "callsink/http/server_options.hpp"
#include "callsink/http/session.hpp"
#include "callsink/http/session_registry.hpp"
#include "callsink/ops/metrics.hpp"

namespace callsink {

class Server {
  public:
    Server(boost::asio::io_context& ioc, ServerOptions options, RequestHandler& handler,
           Metrics& metrics, std::shared_ptr<spdlog::logger> logger,
           std::vector<boost::asio::io_context*> session_contexts = {});
    ~Server();
    Server(Server const&) = delete;
    Server& operator=(Server const&) = delete;

    // The bound address; with port 0 in the config, the port the system chose.
    boost::asio::ip::tcp::endpoint local_endpoint() const;

    void start();

    // Stops accepting and lets sessions finish; those still open after `deadline` are closed.
    // `closed` runs once the last connection is gone, on the thread that closed it.
    void stop(std::chrono::milliseconds deadline, std::function<void()> closed = {});

    std::size_t open_connections() const { return registry_->size(); }
    BufferBudget const& buffer_budget() const { return *budget_; }

  private:
    void do_accept();
    void on_accept(boost::system::error_code ec, Session::Socket socket);

    boost::asio::io_context& ioc_;
    std::vector<boost::asio::io_context*> session_contexts_;
    std::size_t next_context_ = 0;  // round robin over session_contexts_
    ServerOptions options_;
    RequestHandler& handler_;
    Metrics& metrics_;
    std::shared_ptr<spdlog::logger> logger_;
    // Shared by every session: what unfinished requests hold. Sessions keep it alive, as they do
    // the registry: the last of a session may go after the server (its charge given back then).
    std::shared_ptr<BufferBudget> budget_;
    std::shared_ptr<SessionRegistry> registry_ = std::make_shared<SessionRegistry>();
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_timer_;         // pause after accept errors such as EMFILE
    boost::asio::ip::tcp::endpoint accepted_peer_;  // filled by the accept in flight
    boost::asio::steady_timer deadline_timer_;      // the shutdown deadline
};

}  // namespace callsink
