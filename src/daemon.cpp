#include "callsink/daemon.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "callsink/metrics.hpp"
#include "callsink/pipeline.hpp"
#include "callsink/request_handler.hpp"
#include "callsink/server.hpp"
#include "callsink/sink_factory.hpp"

namespace callsink {

namespace net = boost::asio;

namespace {

// Leaves time within systemd's default 90 s, and within the 10 s operators are promised, for
// the sinks to be flushed and synced after the connections are done.
constexpr std::chrono::milliseconds kDrainDeadline{8'000};

char const* to_string(MsisdnPolicy policy) {
    switch (policy) {
        case MsisdnPolicy::clear:
            return "clear";
        case MsisdnPolicy::mask:
            return "mask";
        case MsisdnPolicy::hash:
            return "hash";
    }
    return "?";
}

char const* to_string(Durability durability) {
    switch (durability) {
        case Durability::none:
            return "none";
        case Durability::write:
            return "write";
        case Durability::fsync:
            return "fsync";
    }
    return "?";
}

void log_start(Config const& config, std::vector<SinkSlot> const& sinks, SinkSlot const& rejects,
               spdlog::logger& logger) {
    std::string names;
    for (SinkSlot const& slot : sinks) {
        names += (names.empty() ? "" : ", ") + slot.sink->name();
        names += slot.required ? " (required)" : " (best-effort)";
    }
    logger.info(
        "callsink {} starting: threads={} durability={} queue_capacity={} max_body_bytes={} "
        "dedupe_window={} auth={} allow_ips={} trusted_proxies={} msisdn={} sinks=[{}] "
        "rejects=[{}]",
        CALLSINK_VERSION, config.server.threads, to_string(config.delivery.durability),
        config.delivery.queue_capacity, config.server.max_body_bytes, config.delivery.dedupe_window,
        config.auth.value ? "header " + config.auth.header : std::string("off"),
        config.auth.allow_ips.size(), config.server.trusted_proxies.size(),
        to_string(config.privacy.msisdn), names, rejects.sink->name());
}

// SIGHUP reopens and waits again; SIGTERM/SIGINT stop the server and wait no more, which lets
// the io_context run out of work once the connections are closed.
void await_signal(net::signal_set& signals, Server& server, Pipeline& pipeline,
                  spdlog::logger& logger) {
    signals.async_wait([&](boost::system::error_code ec, int signal) {
        if (ec) {
            return;
        }
        if (signal == SIGHUP) {
            logger.info("SIGHUP: reopening files");
            pipeline.reopen();
            return await_signal(signals, server, pipeline, logger);
        }
        logger.info("{}: shutting down", signal == SIGTERM ? "SIGTERM" : "SIGINT");
        server.stop(kDrainDeadline);
    });
}

}  // namespace

int run_daemon(Config const& config, std::shared_ptr<spdlog::logger> const& logger) {
    auto event_sinks = make_event_sinks(config.sinks, logger);
    auto rejects_sink = make_rejects_sink(config.rejects, *logger);
    log_start(config, event_sinks, rejects_sink, *logger);

    Metrics metrics;
    Pipeline pipeline(
        {config.delivery.durability, config.delivery.queue_capacity, config.delivery.dedupe_window},
        std::move(event_sinks), std::move(rejects_sink), logger, metrics);
    RequestIds request_ids = RequestIds::random();
    RequestHandler handler({config.auth, config.server.trusted_proxies, config.privacy}, pipeline,
                           metrics, logger, system_clock(), request_ids);

    unsigned const threads = std::max(1u, config.server.threads);
    net::io_context ioc(static_cast<int>(threads));
    Server server(ioc, config.server, handler, metrics, logger);
    metrics.add_gauge("callsink_queue_depth", "Records waiting for the writer.",
                      [&pipeline] { return static_cast<double>(pipeline.queue_depth()); });
    metrics.add_gauge("callsink_open_connections", "Open client connections.",
                      [&server] { return static_cast<double>(server.open_connections()); });
    metrics.add_gauge("callsink_ready", "1 while every sink accepts writes, else 0.",
                      [&pipeline] { return pipeline.ready() ? 1.0 : 0.0; });
    net::signal_set signals(ioc, SIGINT, SIGTERM, SIGHUP);
    await_signal(signals, server, pipeline, *logger);

    pipeline.start();
    server.start();
    std::vector<std::thread> workers;
    for (unsigned i = 1; i < threads; ++i) {
        workers.emplace_back([&ioc] { ioc.run(); });
    }
    ioc.run();
    for (std::thread& worker : workers) {
        worker.join();
    }
    pipeline.stop();
    logger->info("stopped: every sink flushed and closed");
    return 0;
}

}  // namespace callsink
