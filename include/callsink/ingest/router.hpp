// Maps a request's method and target to what callsink does with it (the README's
// replies table): POST / and each event type's own path (events/event_types.hpp) take deliveries,
// and the operational endpoints answer GET. Pure; the query string plays no part in routing.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <ostream>  // Boost 1.81's verb.hpp needs it and does not include it
#include <string_view>

namespace callsink {

enum class RouteKind {
    ingest,              // POST /, or an event type's path (/status, /summary …)
    healthz,             // GET /healthz
    readyz,              // GET /readyz
    metrics,             // GET /metrics
    not_found,           // 404
    method_not_allowed,  // 405, with `allow`
};

struct Route {
    RouteKind kind;
    std::string_view path;   // the target without its query, e.g. "/status"
    std::string_view allow;  // for method_not_allowed: the Allow header's value
};

Route route_request(boost::beast::http::verb method, std::string_view target);

}  // namespace callsink
