#include "callsink/ingest/router.hpp"

#include <algorithm>
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
    Endpoint{"/metrics", verb::get, RouteKind::metrics, "GET, HEAD"},
};

// RFC 9112 (3.2.2): a server accepts "http://host/path" as well as "/path".
std::string_view origin_form(std::string_view target) {
    for (std::string_view const scheme : {"http://", "https://"}) {
        if (target.size() > scheme.size() &&
            std::equal(scheme.begin(), scheme.end(), target.begin(), [](char a, char b) {
                return a == (b >= 'A' && b <= 'Z' ? static_cast<char>(b - 'A' + 'a') : b);
            })) {
            auto const slash = target.find('/', scheme.size());
            return slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
        }
    }
    return target;
}

}  // namespace

Route route_request(verb method, std::string_view target) {
    target = origin_form(target);
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
