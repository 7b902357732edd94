// What the HTTP layer hands a complete request to, and all it knows of what happens next: the
// session owns the connection, a RequestHandler decides the reply (ingest/webhook_handler.hpp
// is the daemon's). The split keeps http/ free of everything downstream (routing, parsing,
// storing) and lets tests drive a handler without a socket.
#pragma once

#include <boost/asio/ip/address.hpp>

#include "callsink/base/move_only_function.hpp"
#include "callsink/http/messages.hpp"

namespace callsink {

class RequestHandler {
  public:
    using Respond = MoveOnlyFunction<void(Response)>;

    virtual ~RequestHandler() = default;

    // `respond` runs exactly once, on whichever thread has the reply (inline, an io thread, or
    // the pipeline's writer); the session takes it on to its own io thread. `peer` is the socket's
    // remote address.
    virtual void handle(Request const& request, boost::asio::ip::address const& peer,
                        Respond respond) = 0;
};

}  // namespace callsink
