#include "callsink/router.hpp"

#include <array>

namespace callsink {

namespace {

using boost::beast::http::verb;

struct Endpoint {
    std::string_view path;
    verb method;
    RouteKind kind;
    std::string_view allow;
};

constexpr std::array kEndpoints{
    Endpoint{"/status", verb::post, RouteKind::ingest, "POST"},
    Endpoint{"/summary", verb::post, RouteKind::ingest, "POST"},
    Endpoint{"/", verb::post, RouteKind::ingest, "POST"},
    Endpoint{"/healthz", verb::get, RouteKind::healthz, "GET, HEAD"},
    Endpoint{"/readyz", verb::get, RouteKind::readyz, "GET, HEAD"},
};

}  // namespace

Route route_request(verb method, std::string_view target) {
    std::string_view const path = target.substr(0, target.find('?'));
    for (Endpoint const& endpoint : kEndpoints) {
        if (endpoint.path != path) {
            continue;
        }
        bool const head_of_get = endpoint.method == verb::get && method == verb::head;
        if (method == endpoint.method || head_of_get) {
            return {endpoint.kind, path, {}};
        }
        return {RouteKind::method_not_allowed, path, endpoint.allow};
    }
    return {RouteKind::not_found, path, {}};
}

}  // namespace callsink
