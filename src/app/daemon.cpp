#include "callsink/app/daemon.hpp"

#include <pthread.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "callsink/app/shutdown_watchdog.hpp"
#include "callsink/events/event_types.hpp"
#include "callsink/events/rejection.hpp"
#include "callsink/http/io_threads.hpp"
#include "callsink/http/server.hpp"
#include "callsink/ingest/webhook_handler.hpp"
#include "callsink/journal/forwarder.hpp"
#include "callsink/journal/journal.hpp"
#include "callsink/journal/journal_metrics.hpp"
#include "callsink/journal/journal_sink.hpp"
#include "callsink/ops/metrics.hpp"
#include "callsink/pipeline/pipeline.hpp"
#include "callsink/sinks/dead_letter_file.hpp"
#include "callsink/sinks/sink_registry.hpp"

namespace callsink {

namespace net = boost::asio;

namespace {

// Leaves time within systemd's default 90 s, and within the 10 s operators are promised, for
// the sinks to be flushed and synced after the connections are done.
constexpr std::chrono::milliseconds kDrainDeadline{8'000};
constexpr std::chrono::milliseconds kHardDeadline{9'500};

void log_start(Config const& config, std::vector<SinkSlot> const& sinks, SinkSlot const& rejects,
               std::vector<std::unique_ptr<Forwarder>> const& forwarders, spdlog::logger& logger) {
    std::string names;
    for (SinkSlot const& slot : sinks) {
        names += (names.empty() ? "" : ", ") + slot.sink->name();
        names += slot.required ? " (required)" : " (best-effort)";
    }
    for (auto const& forwarder : forwarders) {
        names += ", " + forwarder->name() + " (forwarded from the journal)";
    }
    logger.info(
        "callsink {} starting: threads={} durability={} queue_capacity={} max_body_bytes={} "
        "max_buffered_bytes={} dedupe_window={} auth={} allow_ips={} trusted_proxies={} msisdn={} "
        "sinks=[{}] "
        "rejects=[{}]",
        CALLSINK_VERSION, config.server.threads, to_string(config.delivery.durability),
        config.delivery.queue_capacity, config.server.max_body_bytes,
        config.server.max_buffered_bytes, config.delivery.dedupe_window,
        config.auth.value ? "header " + config.auth.header : std::string("off"),
        config.auth.allow_ips.size(), config.server.trusted_proxies.size(),
        to_string(config.privacy.msisdn), names, rejects.sink->name());
}

// Waits for the signals on a thread of its own, not on an io thread: an io thread may be blocked
// in write(2) to a stalled disk (it writes its own batches, pipeline.hpp), and the first SIGTERM
// must still arm the watchdog. Construct it before any other thread starts: it blocks the
// signals in the constructing thread, so every thread started after it inherits that, and the
// kernel hands them to this thread, the only one that takes them.
class SignalThread {
  public:
    SignalThread() {
        sigset_t set = handled();
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
    }
    ~SignalThread() { stop(); }
    SignalThread(SignalThread const&) = delete;
    SignalThread& operator=(SignalThread const&) = delete;

    net::signal_set& signals() { return signals_; }

    void start() {
        thread_ = std::thread([this] {
            sigset_t set = handled();
            pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
            context_.run();
        });
    }

    void stop() {
        context_.stop();
        if (thread_.joinable()) {
            thread_.join();
        }
    }

  private:
    static sigset_t handled() {
        sigset_t set;
        sigemptyset(&set);
        for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
            sigaddset(&set, signal);
        }
        return set;
    }

    net::io_context context_{1};
    net::signal_set signals_{context_, SIGINT, SIGTERM, SIGHUP};
    std::thread thread_;
};

// The journal and a forwarder for each sink with delivery = "journal", each sink opened here
// rather than by the pipeline, which gets the journal as one more required sink instead.
struct Forwarding {
    std::shared_ptr<Journal> journal;
    std::vector<std::unique_ptr<Forwarder>> forwarders;
};

Forwarding open_forwarding(Config const& config, SinkContext const& context, Metrics& metrics,
                           DeadLetterFile& dead_letters,
                           std::shared_ptr<spdlog::logger> const& logger) {
    Forwarding forwarding;
    if (!config.journal) {
        return forwarding;
    }
    forwarding.journal = std::make_shared<Journal>(*config.journal, logger, metrics);
    for (std::size_t i = 0; i < config.sinks.size(); ++i) {
        SinkConfig const& sink = config.sinks[i];
        if (sink.delivery == SinkDelivery::journal) {
            std::unique_ptr<Sink> opened = sink.settings->open(context);
            ForwarderOptions options;
            options.dead_letters = dead_letters.route(opened->name(), i);
            forwarding.forwarders.push_back(std::make_unique<Forwarder>(
                forwarding.journal, std::move(opened), options, logger, metrics));
        }
    }
    return forwarding;
}

// The direct sinks' routes into the dead-letter file, in the order of `slots`: the sinks across a
// network (kafka, postgres) are the ones that refuse a record for good; the others get none.
std::vector<DeadLetterRoute> route_dead_letters(Config const& config,
                                                std::vector<SinkSlot> const& slots,
                                                DeadLetterFile& dead_letters) {
    std::vector<DeadLetterRoute> routes;
    std::size_t slot = 0;
    for (std::size_t i = 0; i < config.sinks.size(); ++i) {
        SinkConfig const& sink = config.sinks[i];
        if (sink.delivery != SinkDelivery::direct) {
            continue;
        }
        routes.push_back(sink.type->forwardable && sink.required
                             ? dead_letters.route(slots[slot].sink->name(), i)
                             : DeadLetterRoute{});
        ++slot;
    }
    return routes;
}

// SIGHUP reopens and waits again. The first SIGTERM/SIGINT stops the server and hands those
// signals back to the system, so a second one ends the process at once; the io threads end
// once the last connection is closed, and the watchdog bounds the wait.
void await_signal(net::signal_set& signals, Server& server, Pipeline& pipeline,
                  ShutdownWatchdog& watchdog, std::chrono::milliseconds hard_deadline,
                  IoThreads& io, spdlog::logger& logger) {
    // hard_deadline by value: this frame is gone when the handler runs.
    signals.async_wait([&signals, &server, &pipeline, &watchdog, hard_deadline, &io, &logger](
                           boost::system::error_code ec, int signal) {
        if (ec) {
            return;
        }
        if (signal == SIGHUP) {
            logger.info("SIGHUP: reopening files");
            pipeline.reopen();
            return await_signal(signals, server, pipeline, watchdog, hard_deadline, io, logger);
        }
        logger.info("{}: shutting down (a second one stops at once)",
                    signal == SIGTERM ? "SIGTERM" : "SIGINT");
        boost::system::error_code ignored;
        signals.remove(SIGTERM, ignored);
        signals.remove(SIGINT, ignored);
        server.stop(kDrainDeadline, [&io] { io.finish(); });
        watchdog.arm(hard_deadline);
    });
}

}  // namespace

int run_daemon(Config const& config, std::shared_ptr<spdlog::logger> const& logger) {
    SignalThread signal_thread;  // first: the threads below inherit its mask
    SinkContext const sink_context{logger};
    Metrics metrics(event_type_names(), kRejectCodeNames);
    std::vector<SinkConfig> direct;
    std::copy_if(config.sinks.begin(), config.sinks.end(), std::back_inserter(direct),
                 [](SinkConfig const& sink) { return sink.delivery == SinkDelivery::direct; });
    auto event_sinks = open_sinks(direct, sink_context);
    auto rejects_sink = std::move(open_sinks({&config.rejects, 1}, sink_context).front());
    DeadLetterOptions dead_letter_options = config.dead_letter;
    dead_letter_options.sync = config.delivery.durability == Durability::fsync;
    DeadLetterFile dead_letters(std::move(dead_letter_options), logger, metrics);
    std::vector<DeadLetterRoute> routes = route_dead_letters(config, event_sinks, dead_letters);
    Forwarding forwarding = open_forwarding(config, sink_context, metrics, dead_letters, logger);
    if (forwarding.journal) {
        event_sinks.push_back(
            SinkSlot{std::make_unique<JournalSink>(forwarding.journal,
                                                   config.delivery.durability == Durability::fsync),
                     true});
    }
    log_start(config, event_sinks, rejects_sink, forwarding.forwarders, *logger);

    Pipeline pipeline(config.delivery, std::move(event_sinks), std::move(rejects_sink), logger,
                      metrics, WaitClock::steady(), std::move(routes));
    RequestIds request_ids = RequestIds::random();
    WebhookOptions webhook{config.auth, config.server.trusted_proxies, config.privacy, {}};
    if (forwarding.journal) {
        webhook.forwarding = [&forwarding] {
            std::vector<ForwarderStatus> statuses;
            for (auto const& forwarder : forwarding.forwarders) {
                statuses.push_back(forwarder->status());
            }
            return statuses;
        };
        add_journal_gauges(metrics, *forwarding.journal, forwarding.forwarders);
    }
    WebhookHandler handler(std::move(webhook), pipeline, metrics, logger, system_clock(),
                           request_ids);

    IoThreads io(config.server.threads);
    Server server(io.main(), config.server, handler, metrics, logger, io.contexts());
    metrics.add_gauge("callsink_queue_depth", "Records waiting to be written.",
                      [&pipeline] { return static_cast<double>(pipeline.queue_depth()); });
    metrics.add_gauge("callsink_open_connections", "Open client connections.",
                      [&server] { return static_cast<double>(server.open_connections()); });
    metrics.add_gauge("callsink_buffered_bytes",
                      "Bytes that connections hold of unfinished requests and their replies.",
                      [&server] { return static_cast<double>(server.buffer_budget().used()); });
    metrics.add_gauge("callsink_buffered_bytes_limit", "server.max_buffered_bytes.",
                      [&server] { return static_cast<double>(server.buffer_budget().limit()); });
    metrics.add_gauge("callsink_ready", "1 while every sink accepts writes, else 0.",
                      [&pipeline] { return pipeline.ready() ? 1.0 : 0.0; });
    ShutdownWatchdog watchdog(*logger);
    // The forwarders' drain comes after the pipeline's, within the same watchdog.
    std::chrono::milliseconds const drain =
        config.journal ? config.journal->drain_timeout : std::chrono::milliseconds::zero();
    await_signal(signal_thread.signals(), server, pipeline, watchdog, kHardDeadline + drain, io,
                 *logger);
    // Declared after what the signal handler uses, so an exception stops the thread before
    // they go.
    struct StopSignals {
        SignalThread& thread;
        ~StopSignals() { thread.stop(); }
    } const stop_signals{signal_thread};

    std::vector<Pipeline::CompletionExecutor> io_executors;
    for (net::io_context* context : io.contexts()) {
        io_executors.push_back(context->get_executor());
    }
    for (auto const& forwarder : forwarding.forwarders) {
        forwarder->start();  // each made before any starts (forwarder.hpp)
    }
    pipeline.start(io.main().get_executor(), std::move(io_executors));
    server.start();
    signal_thread.start();  // after start(): stop() must not race it
    io.run(*logger);
    pipeline.stop();  // a SIGTERM still arms the watchdog meanwhile, should a sink hang
    // Every delivery answered is in the journal now: what the forwarders do not send within the
    // drain goes at the next start, from their checkpoints.
    auto const drain_until = WaitClock::steady().now() + drain;
    for (auto const& forwarder : forwarding.forwarders) {
        forwarder->drain_and_stop(drain_until);
    }
    signal_thread.stop();
    watchdog.disarm();
    logger->info("stopped: every sink flushed and closed");
    return 0;
}

}  // namespace callsink
