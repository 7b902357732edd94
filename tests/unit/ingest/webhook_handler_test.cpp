#include "callsink/ingest/webhook_handler.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <future>
#include <nlohmann/json.hpp>
#include <sstream>

#include "callsink/events/event_types.hpp"
#include "fake_sink.hpp"
#include "fixtures.hpp"
#include "temp_dir.hpp"

namespace callsink {
namespace {

using testing::FakeSink;

using testing::fixture;

boost::asio::ip::address ip(char const* text) {
    return boost::asio::ip::make_address(text);
}

Request post(std::string target, std::string body) {
    Request request{http::verb::post, target, 11};
    request.body() = std::move(body);
    request.prepare_payload();
    return request;
}

class WebhookHandlerTest : public ::testing::Test {
  protected:
    void make(WebhookOptions options = {}) {
        auto events = std::make_unique<FakeSink>("events");
        auto rejects = std::make_unique<FakeSink>("rejects");
        events_ = events.get();
        rejects_ = rejects.get();
        std::vector<SinkSlot> slots;
        slots.push_back({std::move(events), true});
        logger_ = std::make_shared<spdlog::logger>(
            "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_));
        pipeline_ =
            std::make_unique<Pipeline>(PipelineOptions{.dedupe_window = 0}, std::move(slots),
                                       SinkSlot{std::move(rejects), true}, logger_, metrics_);
        pipeline_->start();
        auto const fixed = std::chrono::system_clock::time_point(
            std::chrono::sys_days(std::chrono::year(2026) / 11 / 22) + std::chrono::hours(18));
        handler_ = std::make_unique<WebhookHandler>(
            std::move(options), *pipeline_, metrics_, logger_, [fixed] { return fixed; }, ids_);
    }

    Response handle(Request const& request, char const* peer = "203.0.113.7") {
        std::promise<Response> promise;
        auto reply = promise.get_future();
        handler_->handle(request, ip(peer), [&promise](Response r) { promise.set_value(r); });
        return reply.get();
    }

    static nlohmann::json body_of(Response const& response) {
        return nlohmann::json::parse(response.body());
    }

    Metrics metrics_{event_type_names(), kRejectCodeNames};
    std::ostringstream log_;
    std::shared_ptr<spdlog::logger> logger_;
    FakeSink* events_ = nullptr;
    FakeSink* rejects_ = nullptr;
    std::unique_ptr<Pipeline> pipeline_;
    RequestIds ids_{0xabcdef01};
    std::unique_ptr<WebhookHandler> handler_;
};

TEST_F(WebhookHandlerTest, StoresAValidEventThenAnswers200WithTheRequestId) {
    make();
    Response const response = handle(post("/status", fixture("call_status_2026.json")));
    EXPECT_EQ(response.result(), http::status::ok);
    EXPECT_EQ(response[http::field::content_type], "application/json");
    EXPECT_EQ(response["X-Request-Id"], "abcdef01-000000000001");
    EXPECT_EQ(body_of(response)["stored"], "events");
    ASSERT_EQ(events_->lines().size(), 1u);
    auto const record = nlohmann::json::parse(events_->lines()[0]);
    EXPECT_EQ(record["payload"]["callStatus"], "CALL_RECEIVED");
    EXPECT_EQ(record["received"]["at"], "2026-11-22T18:00:00.000Z");
    EXPECT_EQ(record["received"]["path"], "/status");
    EXPECT_EQ(record["received"]["remote"], "203.0.113.7");
    EXPECT_EQ(record["received"]["requestId"], "abcdef01-000000000001");
    EXPECT_TRUE(rejects_->lines().empty());
}

TEST_F(WebhookHandlerTest, StoresAnInvalidDeliveryInTheRejectsAndSaysWhy) {
    make();
    Response const response = handle(post("/summary", R"({"eventType":"SESSION_SUMMARY"})"));
    EXPECT_EQ(response.result(), http::status::ok);
    auto const body = body_of(response);
    EXPECT_EQ(body["stored"], "rejects");
    EXPECT_EQ(body["error"]["code"], "missing_field");
    EXPECT_EQ(body["error"]["field"], "payload");
    ASSERT_EQ(rejects_->lines().size(), 1u);
    EXPECT_EQ(nlohmann::json::parse(rejects_->lines()[0])["body"],
              R"({"eventType":"SESSION_SUMMARY"})");
    EXPECT_TRUE(events_->lines().empty());
    EXPECT_NE(log_.str().find("rejected delivery: code=missing_field field=payload"),
              std::string::npos)
        << log_.str();
}

TEST_F(WebhookHandlerTest, AnswersServiceUnavailableWithRetryAfterWhenStoringFails) {
    make();
    events_->fail_with(boost::system::error_code(ENOSPC, boost::system::system_category()));
    Response const response = handle(post("/status", fixture("call_status_2026.json")));
    EXPECT_EQ(response.result(), http::status::service_unavailable);
    EXPECT_EQ(response[http::field::retry_after], "5");
    EXPECT_NE(response.body().find("No space left on device"), std::string::npos);
    Request readyz{http::verb::get, "/readyz", 11};
    EXPECT_EQ(handle(readyz).result(), http::status::service_unavailable);
}

TEST_F(WebhookHandlerTest, AnswersHealthReadinessNotFoundAndMethodNotAllowed) {
    make();
    EXPECT_EQ(handle(Request{http::verb::get, "/healthz", 11}).result(), http::status::ok);
    EXPECT_EQ(handle(Request{http::verb::get, "/readyz", 11}).result(), http::status::ok);
    EXPECT_EQ(handle(Request{http::verb::get, "/nope", 11}).result(), http::status::not_found);
    Response const wrong_method = handle(Request{http::verb::put, "/status", 11});
    EXPECT_EQ(wrong_method.result(), http::status::method_not_allowed);
    EXPECT_EQ(wrong_method[http::field::allow], "POST");
}

TEST_F(WebhookHandlerTest, RefusesAWrongOrMissingAuthHeaderAndStoresNothing) {
    WebhookOptions options;
    options.auth.header = "X-Webhook-Token";
    options.auth.value = "s3cret";
    make(options);
    auto request = post("/status", fixture("call_status_2026.json"));
    EXPECT_EQ(handle(request).result(), http::status::unauthorized);
    request.set("X-Webhook-Token", "s3cre");
    EXPECT_EQ(handle(request).result(), http::status::unauthorized);
    request.set("X-Webhook-Token", "s3cret!");
    EXPECT_EQ(handle(request).result(), http::status::unauthorized);
    EXPECT_TRUE(events_->lines().empty());
    EXPECT_TRUE(rejects_->lines().empty());
    request.set("X-Webhook-Token", "s3cret");
    EXPECT_EQ(handle(request).result(), http::status::ok);
}

TEST_F(WebhookHandlerTest, RefusesAddressesOutsideTheAllowlist) {
    WebhookOptions options;
    options.auth.allow_ips = {*Cidr::parse("198.51.100.0/24")};
    make(options);
    auto const request = post("/status", fixture("call_status_2026.json"));
    EXPECT_EQ(handle(request, "203.0.113.7").result(), http::status::forbidden);
    EXPECT_EQ(handle(request, "198.51.100.20").result(), http::status::ok);
    EXPECT_EQ(events_->lines().size(), 1u);
}

TEST_F(WebhookHandlerTest, BelievesForwardedForOnlyFromTrustedProxies) {
    WebhookOptions options;
    options.trusted_proxies = {*Cidr::parse("127.0.0.1/32")};
    make(options);
    auto request = post("/status", fixture("call_status_2026.json"));
    request.set("X-Forwarded-For", "198.51.100.20");
    EXPECT_EQ(handle(request, "127.0.0.1").result(), http::status::ok);
    EXPECT_EQ(handle(request, "203.0.113.7").result(), http::status::ok);
    auto const lines = events_->lines();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(nlohmann::json::parse(lines[0])["received"]["remote"], "198.51.100.20");
    EXPECT_EQ(nlohmann::json::parse(lines[1])["received"]["remote"], "203.0.113.7");
}

TEST_F(WebhookHandlerTest, ServesMetricsAsPrometheusText) {
    make();
    handle(post("/status", fixture("call_status_2026.json")));
    handle(post("/status", "not json"));
    Response const response = handle(Request{http::verb::get, "/metrics", 11});
    EXPECT_EQ(response.result(), http::status::ok);
    EXPECT_EQ(response[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(response.body().find("callsink_events_total{event_type=\"CALL_STATUS\"} 1\n"),
              std::string::npos)
        << response.body();
    EXPECT_NE(response.body().find("callsink_rejects_total{code=\"invalid_json\"} 1\n"),
              std::string::npos)
        << response.body();
}

TEST_F(WebhookHandlerTest, CountsRefusals) {
    WebhookOptions options;
    options.auth.value = "secret";
    make(options);
    handle(post("/status", fixture("call_status_2026.json")));
    EXPECT_NE(metrics_.render().find("callsink_refused_total{reason=\"auth\"} 1\n"),
              std::string::npos);
}

}  // namespace
}  // namespace callsink
