// The HTTP messages callsink reads and writes (Beast's, with string bodies), and the small JSON
// error replies that the session sends itself (400, 413, 431) and the handlers send for theirs.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

namespace callsink {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// A reply with a body, its Server, Content-Type and Content-Length set.
Response text_response(http::status status, unsigned version, std::string_view content_type,
                       std::string body);

// {"error": message} as application/json.
Response error_response(http::status status, unsigned version, std::string_view message);

}  // namespace callsink
