#include "callsink/ingest/router.hpp"

#include <algorithm>
#include <vector>

#include "callsink/events/event_types.hpp"

namespace callsink {

namespace {

using boost::beast::http::verb;

struct Endpoint {
    std::string_view path;
    verb method;
    RouteKind kind;
    std::string_view allow;
};

// Built once from the event types; read-only after that.
std::vector<Endpoint> const& endpoints() {
    static std::vector<Endpoint> const all = [] {
        std::vector<Endpoint> list;
        for (EventType const& type : event_types()) {
            list.push_back(Endpoint{type.identity.path, verb::post, RouteKind::ingest, "POST"});
        }
        list.push_back(Endpoint{"/", verb::post, RouteKind::ingest, "POST"});
        list.push_back(Endpoint{"/healthz", verb::get, RouteKind::healthz, "GET, HEAD"});
        list.push_back(Endpoint{"/readyz", verb::get, RouteKind::readyz, "GET, HEAD"});
        list.push_back(Endpoint{"/metrics", verb::get, RouteKind::metrics, "GET, HEAD"});
        return list;
    }();
    return all;
}

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
    for (Endpoint const& endpoint : endpoints()) {
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
