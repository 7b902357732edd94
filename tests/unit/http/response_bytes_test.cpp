// response_bytes() against Beast's own serializer (operator<< on a message), for the replies
// callsink sends: they must be the same bytes.
#include "callsink/http/response_bytes.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/write.hpp>
#include <sstream>

namespace callsink {
namespace {

std::string beast_bytes(Response const& response) {
    std::ostringstream out;
    out << response;
    return out.str();
}

Response reply(http::status status, unsigned version, std::string body) {
    Response response{status, version};
    response.set(http::field::server, "callsink/test");
    response.set(http::field::content_type, "application/json");
    response.set("X-Request-Id", "5f3a9c21-000000000001");
    response.body() = std::move(body);
    response.prepare_payload();
    return response;
}

TEST(ResponseBytes, MatchesBeastsSerializer) {
    for (unsigned version : {10u, 11u}) {
        for (bool keep_alive : {true, false}) {
            for (auto status : {http::status::ok, http::status::service_unavailable,
                                http::status::method_not_allowed, http::status::continue_}) {
                Response response = reply(status, version,
                                          R"({"stored":"events"})"
                                          "\n");
                response.keep_alive(keep_alive);
                EXPECT_EQ(response_bytes(response), beast_bytes(response))
                    << version << " " << keep_alive << " " << static_cast<int>(status);
            }
        }
    }
}

TEST(ResponseBytes, KeepsContentLengthOfAnEmptiedHeadBody) {
    Response response = reply(http::status::ok, 11, "0123456789");
    response.body().clear();
    EXPECT_EQ(response_bytes(response), beast_bytes(response));
    EXPECT_NE(response_bytes(response).find("Content-Length: 10\r\n"), std::string::npos);
}

TEST(ResponseBytes, WritesACustomReasonAndAnUnknownStatus) {
    Response response = reply(http::status::ok, 11, "x");
    response.reason("Fine");
    EXPECT_EQ(response_bytes(response), beast_bytes(response));
    Response odd{static_cast<http::status>(599), 11};
    odd.prepare_payload();
    EXPECT_EQ(response_bytes(odd), beast_bytes(odd));
}

}  // namespace
}  // namespace callsink
