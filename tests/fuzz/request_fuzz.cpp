// Fuzzes the request path from raw bytes on the socket to the reply, as a session runs it:
// Beast's request parser with callsink's limits, then WebhookHandler over a real pipeline whose
// sinks discard what they get. Checks that every parsed request gets exactly one reply with a
// status from the HTTP contract.
#include <spdlog/sinks/null_sink.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "callsink/ingest/webhook_handler.hpp"
#include "callsink/pipeline/pipeline.hpp"

namespace {

using namespace callsink;

class DiscardSink final : public Sink {
  public:
    std::string const& name() const override { return name_; }
    boost::system::error_code write(std::span<Record const>) override { return {}; }
    boost::system::error_code sync() override { return {}; }
    boost::system::error_code reopen() override { return {}; }
    void close() override {}

  private:
    std::string name_ = "discard";
};

// One set of components for the whole run: a pipeline starts a thread, too slow per input.
struct Fixture {
    Fixture() {
        std::vector<SinkSlot> sinks;
        sinks.push_back({std::make_unique<DiscardSink>(), true});
        pipeline = std::make_unique<Pipeline>(
            PipelineOptions{Durability::none, 1'000'000, 1000}, std::move(sinks),
            SinkSlot{std::make_unique<DiscardSink>(), true}, logger, metrics);
        pipeline->start();
        WebhookOptions options;
        options.trusted_proxies = {*Cidr::parse("127.0.0.1/32")};
        handler = std::make_unique<WebhookHandler>(options, *pipeline, metrics, logger,
                                                   system_clock(), ids);
    }
    std::shared_ptr<spdlog::logger> logger =
        std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
    Metrics metrics;
    RequestIds ids{1};
    std::unique_ptr<Pipeline> pipeline;
    std::unique_ptr<WebhookHandler> handler;
};

bool expected_status(unsigned status) {
    switch (status) {
        case 200:
        case 401:
        case 403:
        case 404:
        case 405:
        case 503:
            return true;
        default:
            return false;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    // Never destroyed: libFuzzer may exit while an input runs, and a pipeline torn down by static
    // destruction under a running handler is a crash of the harness, not of callsink.
    static Fixture& fixture = *new Fixture;
    http::request_parser<http::string_body> parser;
    parser.eager(true);
    parser.header_limit(16 * 1024);
    parser.body_limit(1024 * 1024);
    boost::system::error_code ec;
    std::size_t used = 0;
    while (used < size && !parser.is_done()) {
        std::size_t const n = parser.put(boost::asio::buffer(data + used, size - used), ec);
        if (ec == http::error::need_more) {
            break;
        }
        if (ec) {
            return 0;  // the session answers 400/413/431 for these
        }
        if (n == 0) {
            break;
        }
        used += n;
    }
    if (!parser.is_done()) {
        return 0;
    }
    int replies = 0;
    fixture.handler->handle(parser.get(), boost::asio::ip::make_address("127.0.0.1"),
                            [&replies](Response response) {
                                ++replies;
                                if (!expected_status(response.result_int())) {
                                    std::abort();
                                }
                            });
    // Durability "none" answers inline: anything else than one reply by now is a bug.
    if (replies != 1) {
        std::abort();
    }
    return 0;
}
