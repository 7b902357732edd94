#include "callsink/ingest/router.hpp"

#include <gtest/gtest.h>

namespace callsink {
namespace {

using boost::beast::http::verb;

TEST(Router, RoutesDeliveriesOnEveryIngestPath) {
    for (char const* path : {"/status", "/summary", "/"}) {
        Route const route = route_request(verb::post, path);
        EXPECT_EQ(route.kind, RouteKind::ingest) << path;
        EXPECT_EQ(route.path, path);
    }
}

TEST(Router, IgnoresTheQueryString) {
    Route const route = route_request(verb::post, "/status?token=abc&x=1");
    EXPECT_EQ(route.kind, RouteKind::ingest);
    EXPECT_EQ(route.path, "/status");
}

TEST(Router, RoutesHealthAndReadinessForGetAndHead) {
    EXPECT_EQ(route_request(verb::get, "/healthz").kind, RouteKind::healthz);
    EXPECT_EQ(route_request(verb::head, "/healthz").kind, RouteKind::healthz);
    EXPECT_EQ(route_request(verb::get, "/readyz").kind, RouteKind::readyz);
}

TEST(Router, OtherMethodsOnAKnownPathAreNotAllowedWithTheAllowedOnes) {
    Route const get_status = route_request(verb::get, "/status");
    EXPECT_EQ(get_status.kind, RouteKind::method_not_allowed);
    EXPECT_EQ(get_status.allow, "POST");
    Route const post_health = route_request(verb::post, "/healthz");
    EXPECT_EQ(post_health.kind, RouteKind::method_not_allowed);
    EXPECT_EQ(post_health.allow, "GET, HEAD");
}

TEST(Router, UnknownPathsAreNotFound) {
    EXPECT_EQ(route_request(verb::post, "/statuses").kind, RouteKind::not_found);
    EXPECT_EQ(route_request(verb::get, "/status/").kind, RouteKind::not_found);
    EXPECT_EQ(route_request(verb::get, "").kind, RouteKind::not_found);
}

}  // namespace
}  // namespace callsink

namespace callsink {
namespace {

TEST(Router, AcceptsTheAbsoluteFormOfATarget) {
    Route const route = route_request(verb::post, "http://callsink.example:8080/status?x=1");
    EXPECT_EQ(route.kind, RouteKind::ingest);
    EXPECT_EQ(route.path, "/status");
    EXPECT_EQ(route_request(verb::get, "HTTPS://example/healthz").kind, RouteKind::healthz);
    EXPECT_EQ(route_request(verb::post, "http://example").path, "/");
}

}  // namespace
}  // namespace callsink
