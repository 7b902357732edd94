#include "callsink/ingest/webhook_handler.hpp"

#include <openssl/crypto.h>

#include <boost/beast/http/field.hpp>
#include <nlohmann/json.hpp>

#include "callsink/base/log_text.hpp"
#include "callsink/events/event_types.hpp"
#include "callsink/http/client_address.hpp"
#include "callsink/ingest/router.hpp"
#include "callsink/pipeline/errors.hpp"

namespace callsink {

namespace {

constexpr std::string_view kJson = "application/json";
constexpr std::size_t kMaxNoteLines = 5;

std::string json_line(nlohmann::ordered_json const& body) {
    return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + '\n';
}

Response json_response(http::status status, unsigned version, nlohmann::ordered_json const& body) {
    return text_response(status, version, kJson, json_line(body));
}

// CRYPTO_memcmp takes time that depends on the length only, so the header's value cannot be
// guessed a byte at a time from response times. A length that differs is no secret: it is
// compared as the expected value against itself, in the same time.
bool constant_time_equal(std::string_view given, std::string_view expected) {
    bool const same_length = given.size() == expected.size();
    std::string_view const compared = same_length ? given : expected;
    return CRYPTO_memcmp(compared.data(), expected.data(), expected.size()) == 0 && same_length;
}

std::string forwarded_for(Request const& request) {
    std::string joined;
    auto const [first, last] = request.equal_range("X-Forwarded-For");
    for (auto it = first; it != last; ++it) {
        if (!joined.empty()) {
            joined += ", ";
        }
        joined += std::string_view(it->value());
    }
    return joined;
}

// Names every path that takes deliveries, from the event types.
std::string const& not_found_message() {
    static std::string const message = [] {
        std::string text = "no such path; deliveries go to POST /";
        for (EventType const& type : event_types()) {
            text.append(", ").append(type.identity.path);
        }
        return text;
    }();
    return message;
}

// The reply to every stored event: built by hand on the hot path; a request id is plain hex.
std::string stored_reply(std::string const& request_id) {
    return R"({"stored":"events","requestId":")" + request_id + "\"}\n";
}

nlohmann::ordered_json rejection_json(Rejection const& rejection) {
    nlohmann::ordered_json error{{"code", to_string(rejection.code)},
                                 {"message", rejection.message}};
    if (!rejection.field.empty()) {
        error["field"] = rejection.field;
    }
    return error;
}

std::string rejected_reply(Rejection const& rejection, std::string const& request_id) {
    return json_line(
        {{"stored", "rejects"}, {"requestId", request_id}, {"error", rejection_json(rejection)}});
}

Response unavailable_response(boost::system::error_code ec, unsigned version) {
    Response response =
        error_response(http::status::service_unavailable, version,
                       "the delivery could not be stored (" + ec.message() + "); retry later");
    response.set(http::field::retry_after, ec == Errc::queue_full ? "1" : "5");
    return response;
}

}  // namespace

WebhookHandler::WebhookHandler(WebhookOptions options, Pipeline& pipeline, Metrics& metrics,
                               std::shared_ptr<spdlog::logger> logger, Clock clock,
                               RequestIds& request_ids)
    : options_(std::move(options)),
      pipeline_(pipeline),
      metrics_(metrics),
      logger_(std::move(logger)),
      clock_(std::move(clock)),
      request_ids_(request_ids),
      privacy_(options_.privacy.msisdn, options_.privacy.key.value_or("")) {}

void WebhookHandler::handle(Request const& request, boost::asio::ip::address const& peer,
                            Respond respond) {
    unsigned const version = request.version();
    Route const route = route_request(request.method(), request.target());
    switch (route.kind) {
        case RouteKind::ingest: {
            auto const client =
                options_.trusted_proxies.empty()
                    ? peer
                    : client_address(peer, forwarded_for(request), options_.trusted_proxies);
            if (auto refusal = refuse(request, client)) {
                return respond(std::move(*refusal));
            }
            return ingest(request, route.path, client, std::move(respond));
        }
        case RouteKind::healthz:
            return respond(json_response(http::status::ok, version, {{"status", "alive"}}));
        case RouteKind::readyz:
            return respond(readiness(version));
        case RouteKind::metrics:
            return respond(text_response(http::status::ok, version,
                                         "text/plain; version=0.0.4; charset=utf-8",
                                         metrics_.render()));
        case RouteKind::method_not_allowed: {
            Response response = error_response(http::status::method_not_allowed, version,
                                               "method not allowed on this path");
            response.set(http::field::allow, route.allow);
            return respond(std::move(response));
        }
        case RouteKind::not_found:
            break;
    }
    respond(error_response(http::status::not_found, version, not_found_message()));
}

Response WebhookHandler::readiness(unsigned version) const {
    bool const ready = pipeline_.ready();
    if (!options_.forwarding) {
        return ready ? json_response(http::status::ok, version, {{"status", "ready"}})
                     : error_response(http::status::service_unavailable, version,
                                      "a sink is failing; see the log");
    }
    nlohmann::ordered_json body =
        ready ? nlohmann::ordered_json{{"status", "ready"}}
              : nlohmann::ordered_json{{"error",
                                        "a sink is failing (or the journal is full); "
                                        "see the log"}};
    nlohmann::ordered_json& forwarded = body["forwarded"] = nlohmann::ordered_json::array();
    for (ForwarderStatus const& status : options_.forwarding()) {
        nlohmann::ordered_json sink{
            {"sink", status.sink},
            {"state", status.retrying                   ? "retrying"
                      : status.unforwarded_records == 0 ? "caught_up"
                                                        : "forwarding"},
            {"unforwarded_records", status.unforwarded_records},
            {"oldest_unforwarded_age_seconds", status.oldest_age_seconds},
        };
        if (status.retrying) {
            sink["error"] = status.last_error;
        }
        forwarded.push_back(std::move(sink));
    }
    return json_response(ready ? http::status::ok : http::status::service_unavailable, version,
                         body);
}

std::optional<Response> WebhookHandler::refuse(Request const& request,
                                               boost::asio::ip::address const& client) {
    if (!options_.auth.allow_ips.empty() && !any_contains(options_.auth.allow_ips, client)) {
        metrics_.refuse(Refusal::address);
        logger_->debug("refused delivery from {}: not in auth.allow_ips", client.to_string());
        return error_response(http::status::forbidden, request.version(),
                              "this address may not deliver webhooks");
    }
    if (!authorized(request)) {
        metrics_.refuse(Refusal::auth);
        logger_->debug("refused delivery from {}: missing or wrong {} header", client.to_string(),
                       options_.auth.header);
        return error_response(http::status::unauthorized, request.version(),
                              "missing or wrong authentication header");
    }
    return std::nullopt;
}

bool WebhookHandler::authorized(Request const& request) const {
    if (!options_.auth.value) {
        return true;
    }
    auto const it = request.find(options_.auth.header);
    std::string_view const given =
        it == request.end() ? std::string_view{} : std::string_view(it->value());
    return constant_time_equal(given, *options_.auth.value);
}

void WebhookHandler::ingest(Request const& request, std::string_view path,
                            boost::asio::ip::address const& client, Respond respond) {
    Received received{format_rfc3339_ms(clock_()), std::string(path), address_text(client),
                      request_ids_.next()};
    Ingested ingested = ingest_delivery(request.body(), received, privacy_);
    ingested.record.request_id = received.request_id;
    report(ingested, received);
    std::string body = ingested.rejection ? rejected_reply(*ingested.rejection, received.request_id)
                                          : stored_reply(received.request_id);
    pipeline_.submit(
        std::move(ingested.record),
        [version = request.version(), body = std::move(body), respond = std::move(respond),
         request_id = std::move(received.request_id)](boost::system::error_code ec) mutable {
            Response response =
                ec ? unavailable_response(ec, version)
                   : text_response(http::status::ok, version, kJson, std::move(body));
            response.set("X-Request-Id", request_id);
            respond(std::move(response));
        });
}

void WebhookHandler::report(Ingested const& ingested, Received const& received) {
    // A delivery decides how many notes it brings: log a few, count them all.
    std::size_t logged = 0;
    for (ParseNote const& note : ingested.notes) {
        metrics_.add(Counter::unlisted_values);
        if (logged++ < kMaxNoteLines) {
            // Field paths and values come from the delivery: log_value() keeps each one field.
            logger_->info("unlisted value kept: {}={} request={}", log_value(note.field),
                          log_value(note.value), received.request_id);
        }
    }
    if (logged > kMaxNoteLines) {
        logger_->info("unlisted values kept: {} more in request={}", logged - kMaxNoteLines,
                      received.request_id);
    }
    if (ingested.rejection) {
        Rejection const& rejection = *ingested.rejection;
        metrics_.add(Counter::rejects, static_cast<std::size_t>(rejection.code));
        logger_->warn("rejected delivery: code={} field={} request={} remote={} message={}",
                      to_string(rejection.code), log_value(rejection.field), received.request_id,
                      received.remote, log_value(rejection.message));
    }
}

}  // namespace callsink
