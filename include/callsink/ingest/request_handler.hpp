// What callsink answers to one HTTP request, apart from the socket it came on (the userver
// hello_service split): route, guard (allowlist, auth header), ingest, submit to the pipeline,
// and the reply once the pipeline reports the record stored or not. The session owns the
// connection and calls handle(); tests call it directly.
//
// `respond` runs exactly once: inline for replies that need no storage and for deliveries the
// pipeline answers at once (queue full, stopped, durability "none"); for the others, wherever the
// pipeline runs completions (with their batch on an io thread, or on its writer thread). The
// caller takes it on to its own strand.
#pragma once

#include <spdlog/logger.h>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string_view>

#include "callsink/app/config_file.hpp"
#include "callsink/ingest/ingest.hpp"
#include "callsink/ops/metrics.hpp"
#include "callsink/base/move_only_function.hpp"
#include "callsink/events/msisdn_privacy.hpp"
#include "callsink/pipeline/pipeline.hpp"
#include "callsink/ingest/request_ids.hpp"
#include "callsink/base/timestamp.hpp"

namespace callsink {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

struct HandlerOptions {
    AuthOptions auth;
    std::vector<Cidr> trusted_proxies;
    PrivacyOptions privacy;
};

// A small JSON reply, {"error": message}, for the statuses the session answers itself (400, 413,
// 431) as well as the handler's own.
Response error_response(http::status status, unsigned version, std::string_view message);

class RequestHandler {
  public:
    using Respond = MoveOnlyFunction<void(Response)>;

    RequestHandler(HandlerOptions options, Pipeline& pipeline, Metrics& metrics,
                   std::shared_ptr<spdlog::logger> logger, Clock clock, RequestIds& request_ids);

    void handle(Request const& request, boost::asio::ip::address const& peer, Respond respond);

  private:
    void ingest(Request const& request, std::string_view path,
                boost::asio::ip::address const& client, Respond respond);
    void report(Ingested const& ingested, Received const& received);
    // The 403 or 401 for a delivery that may not be stored, counted; nullopt when it may.
    std::optional<Response> refuse(Request const& request, boost::asio::ip::address const& client);
    bool authorized(Request const& request) const;

    HandlerOptions options_;
    Pipeline& pipeline_;
    Metrics& metrics_;
    std::shared_ptr<spdlog::logger> logger_;
    Clock clock_;
    RequestIds& request_ids_;
    MsisdnPrivacy privacy_;
};

}  // namespace callsink
