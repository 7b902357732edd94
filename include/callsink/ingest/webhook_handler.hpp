// What callsink answers to one HTTP request, apart from the socket it came on (the userver
// hello_service split): route, guard (allowlist, auth header), ingest, submit to the pipeline,
// and the reply once the pipeline reports the record stored or not; and the operational
// endpoints (/healthz, /readyz with the forwarded sinks' states, /metrics). The session owns the
// connection and calls handle(); tests call it directly.
//
// `respond` runs exactly once: inline for replies that need no storage and for deliveries the
// pipeline answers at once (queue full, stopped, durability "none"); for the others, wherever the
// pipeline runs completions (with their batch on an io thread, or on its writer thread). The
// caller takes it on to its own io thread.
#pragma once

#include <spdlog/logger.h>

#include <boost/asio/ip/address.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/base/cidr.hpp"
#include "callsink/base/timestamp.hpp"
#include "callsink/events/msisdn_privacy.hpp"
#include "callsink/http/request_handler.hpp"
#include "callsink/ingest/ingest.hpp"
#include "callsink/ingest/request_ids.hpp"
#include "callsink/journal/forwarder.hpp"
#include "callsink/ops/metrics.hpp"
#include "callsink/pipeline/pipeline.hpp"

namespace callsink {

// [auth] in the configuration file.
struct AuthOptions {
    std::string header = "Authorization";
    std::optional<std::string> value;  // from `value`, or from the variable named by `value_env`
    std::vector<Cidr> allow_ips;       // empty: every address may deliver
};

struct WebhookOptions {
    AuthOptions auth;
    std::vector<Cidr> trusted_proxies;
    PrivacyOptions privacy;
    // The forwarded sinks' states, which GET /readyz shows (it stays 200 while one is down: the
    // journal still takes deliveries); none without a journal. Called on an io thread.
    std::function<std::vector<ForwarderStatus>()> forwarding;
};

class WebhookHandler final : public RequestHandler {
  public:
    WebhookHandler(WebhookOptions options, Pipeline& pipeline, Metrics& metrics,
                   std::shared_ptr<spdlog::logger> logger, Clock clock, RequestIds& request_ids);

    void handle(Request const& request, boost::asio::ip::address const& peer,
                Respond respond) override;

  private:
    void ingest(Request const& request, std::string_view path,
                boost::asio::ip::address const& client, Respond respond);
    void report(Ingested const& ingested, Received const& received);
    // The 403 or 401 for a delivery that may not be stored, counted; nullopt when it may.
    std::optional<Response> refuse(Request const& request, boost::asio::ip::address const& client);
    bool authorized(Request const& request) const;
    Response readiness(unsigned version) const;

    WebhookOptions options_;
    Pipeline& pipeline_;
    Metrics& metrics_;
    std::shared_ptr<spdlog::logger> logger_;
    Clock clock_;
    RequestIds& request_ids_;
    MsisdnPrivacy privacy_;
};

}  // namespace callsink
