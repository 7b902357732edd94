#include "callsink/sinks/kafka/kafka_sink.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <nlohmann/json.hpp>

#include "callsink/config/config_error.hpp"
#include "callsink/sinks/kafka/kafka_refusal.hpp"

namespace callsink {
namespace {

constexpr int kPollMs = 100;
// After the timeout, what was purged reports back at once; this bounds the wait for that.
constexpr std::chrono::seconds kPurgeGrace{1};
// Short: the writer waits on it while the sink is down, and statistics bring the good news too.
constexpr int kMetadataTimeoutMs = 250;

class KafkaCategory final : public boost::system::error_category {
  public:
    char const* name() const noexcept override { return "kafka"; }
    std::string message(int code) const override {
        return rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(code));
    }
};

boost::system::error_code kafka_error(rd_kafka_resp_err_t error) {
    return {static_cast<int>(error), kafka_category()};
}

// The milliseconds left until `deadline`, at least 0, for librdkafka's timeouts.
int ms_until(std::chrono::steady_clock::time_point deadline) {
    auto const left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

KafkaSink& sink_of(rd_kafka_t const* rk) {
    return *static_cast<KafkaSink*>(rd_kafka_opaque(rk));
}

// The broker states in librdkafka's statistics: whether any broker is up.
bool any_broker_up(std::string_view json) {
    auto const stats = nlohmann::json::parse(json, nullptr, false);
    if (stats.is_discarded() || !stats.contains("brokers")) {
        return false;
    }
    for (auto const& [name, broker] : stats["brokers"].items()) {
        if (broker.value("state", "") == "UP") {
            return true;
        }
    }
    return false;
}

}  // namespace

boost::system::error_category const& kafka_category() {
    static KafkaCategory const category;
    return category;
}

KafkaSink::KafkaSink(KafkaSinkOptions options, std::shared_ptr<spdlog::logger> logger)
    : options_(std::move(options)),
      logger_(std::move(logger)),
      name_("kafka " + options_.topic + " on " + options_.brokers) {
    KafkaConf conf = make_kafka_conf(options_);
    rd_kafka_conf_set_opaque(conf.get(), this);
    // Delivery reports, errors and statistics as events on the main queue, which the poller
    // serves; no callback for them (a delivery report callback would turn the events off). Log
    // lines still come by callback, called on librdkafka's threads (log.queue is off).
    rd_kafka_conf_set_events(conf.get(),
                             RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_STATS);
    rd_kafka_conf_set_log_cb(conf.get(), &KafkaSink::on_log);
    char error[512];
    producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), error, sizeof error);
    if (producer_ == nullptr) {
        // Some properties are checked only now (sasl.mechanisms): a secret's value is hidden.
        throw ConfigError(options_.brokers_key, "cannot create the Kafka producer: " +
                                                    hide_secrets(error, options_.properties));
    }
    conf.release();  // rd_kafka_new owns it now
    events_ = rd_kafka_queue_get_main(producer_);
    // The poller waits in librdkafka's queue, where the worker's wake() cannot reach it: stop()
    // yields the queue, so its wait ends now, not after kPollMs.
    poller_.start([this](Worker::Turn& turn) { return serve_events(turn); },
                  [this] { rd_kafka_queue_yield(events_); });
}

KafkaSink::~KafkaSink() {
    close();
}

// Never rd_kafka_poll() here or anywhere: with delivery reports as events it would drop them
// (librdkafka logs "Dropped delivery report").
Worker::Next KafkaSink::serve_events(Worker::Turn& turn) {
    if (turn.stopping()) {
        return Worker::Next::end();
    }
    turn.lock().unlock();
    rd_kafka_event_t* event = rd_kafka_queue_poll(events_, kPollMs);
    switch (rd_kafka_event_type(event)) {
        case RD_KAFKA_EVENT_NONE:
            break;  // no event (null) within kPollMs, or the wait yielded by stop()
        case RD_KAFKA_EVENT_DR:
            on_delivery_report(event);
            break;
        case RD_KAFKA_EVENT_ERROR:
            on_error(event);
            break;
        case RD_KAFKA_EVENT_STATS:
            on_statistics(event);
            break;
        default:
            rd_kafka_event_destroy(event);
            break;
    }
    turn.lock().lock();
    return Worker::Next::again();
}

std::string const& KafkaSink::topic_for(std::string_view event_type) {
    auto it = topics_.find(event_type);
    if (it == topics_.end()) {
        it = topics_.emplace(event_type, kafka_topic(options_.topic, event_type)).first;
    }
    return it->second;
}

boost::system::error_code KafkaSink::write(std::span<Record const> batch) {
    if (producer_ == nullptr) {
        return kafka_error(RD_KAFKA_RESP_ERR__DESTROY);
    }
    refused_.clear();
    auto const deadline = deliveries_.now() + options_.delivery_timeout;
    std::uint64_t const id = deliveries_.begin(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (auto ec = produce(batch[i], DeliveryTracker::tag(id, i), deadline)) {
            deliveries_.report(id, static_cast<rd_kafka_resp_err_t>(ec.value()), i);
        }
    }
    // The broker threads send as messages come (linger.ms = 0), and the poller hands each
    // delivery report to deliveries_, whose last one for this batch ends the wait.
    if (auto const outcome = deliveries_.wait_until(deadline)) {
        if (*outcome == RD_KAFKA_RESP_ERR_NO_ERROR) {
            return {};
        }
        note_refused(batch.size());
        return kafka_error(*outcome);
    }
    // Past delivery_timeout_ms: give up on what is left, so nothing waits forever. The purged
    // messages report back (as purged) at once.
    rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    auto const purged = deliveries_.wait_until(deliveries_.now() + kPurgeGrace);
    // Said as what happened: the broker did not acknowledge in time, unless it refused.
    if (purged && *purged != RD_KAFKA_RESP_ERR_NO_ERROR &&
        *purged != RD_KAFKA_RESP_ERR__PURGE_QUEUE && *purged != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
        return kafka_error(*purged);
    }
    return kafka_error(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT);
}

void KafkaSink::note_refused(std::size_t messages) {
    if (messages >= DeliveryTracker::kMaxMessages) {
        return;  // the tags cannot tell its messages apart: all sent again
    }
    for (DeliveryTracker::Report const& failure : deliveries_.failures()) {
        if (!kafka_refuses_for_good(failure.error)) {
            refused_.clear();  // the batch goes again, those refused for good with it
            return;
        }
        refused_.push_back({failure.message, rd_kafka_err2str(failure.error)});
    }
    std::sort(refused_.begin(), refused_.end(),
              [](RefusedRecord const& a, RefusedRecord const& b) { return a.index < b.index; });
}

boost::system::error_code KafkaSink::produce(Record const& record, void* tag,
                                             std::chrono::steady_clock::time_point deadline) {
    EventSummary const& summary = record.summary;
    std::string_view const value = record.json();
    std::string_view key;
    switch (options_.key) {
        case KafkaKey::session_id:
            key = summary.session_id();
            break;
        case KafkaKey::event_id:
            key = summary.event_id();
            break;
        case KafkaKey::none:
            break;
    }
    std::string const redelivery = record.redelivery_key.hex();
    std::string const& topic = topic_for(summary.event_type);
    for (;;) {
        rd_kafka_headers_t* headers = rd_kafka_headers_new(4);
        auto const add = [headers](char const* name, std::string_view text) {
            if (!text.empty()) {
                rd_kafka_header_add(headers, name, -1, text.data(),
                                    static_cast<ssize_t>(text.size()));
            }
        };
        add("eventType", summary.event_type);
        add("eventId", summary.event_id());
        add("requestId", record.request_id);
        add("redeliveryKey", redelivery);
        // Copied: a report can come after write() gave up on its batch. The array form of
        // rd_kafka_producev(): its RD_KAFKA_V_ macros are GNU statement expressions, which
        // -Wpedantic refuses under clang.
        std::array<rd_kafka_vu_t, 6> fields{};
        fields[0].vtype = RD_KAFKA_VTYPE_TOPIC;
        fields[0].u.cstr = topic.c_str();
        fields[1].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
        fields[1].u.i = RD_KAFKA_MSG_F_COPY;
        fields[2].vtype = RD_KAFKA_VTYPE_VALUE;
        fields[2].u.mem = {const_cast<char*>(value.data()), value.size()};
        fields[3].vtype = RD_KAFKA_VTYPE_KEY;
        fields[3].u.mem = {key.empty() ? nullptr : const_cast<char*>(key.data()), key.size()};
        fields[4].vtype = RD_KAFKA_VTYPE_HEADERS;
        fields[4].u.headers = headers;
        fields[5].vtype = RD_KAFKA_VTYPE_OPAQUE;
        fields[5].u.ptr = tag;
        rd_kafka_error_t* const failed =
            rd_kafka_produceva(producer_, fields.data(), fields.size());
        rd_kafka_resp_err_t const error =
            failed == nullptr ? RD_KAFKA_RESP_ERR_NO_ERROR : rd_kafka_error_code(failed);
        if (failed != nullptr) {
            rd_kafka_error_destroy(failed);
        }
        if (error == RD_KAFKA_RESP_ERR_NO_ERROR) {
            return {};  // the message owns the headers now
        }
        rd_kafka_headers_destroy(headers);
        if (error != RD_KAFKA_RESP_ERR__QUEUE_FULL ||
            std::chrono::steady_clock::now() >= deadline) {
            return kafka_error(error);
        }
        // librdkafka's queue is full: let what is queued go out, then try again. (Not
        // rd_kafka_poll(), which would drop delivery report events.)
        rd_kafka_flush(producer_, std::min(kPollMs, ms_until(deadline)));
    }
}

void KafkaSink::on_delivery_report(rd_kafka_event_t* event) {
    reports_.clear();
    bool acknowledged = false;
    while (rd_kafka_message_t const* message = rd_kafka_event_message_next(event)) {
        reports_.push_back(DeliveryTracker::report_of(message->_private, message->err));
        acknowledged = acknowledged || message->err == RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    // The messages are freed only now, and only now does librdkafka count them out of flight
    // (in_flight(), and close()'s rd_kafka_flush(), read that count): before write() is told, so
    // a batch answered has nothing left in flight.
    rd_kafka_event_destroy(event);
    deliveries_.report(reports_);
    if (acknowledged) {
        set_reachable(true, "a delivery was acknowledged");
    }
}

void KafkaSink::on_error(rd_kafka_event_t* event) {
    auto const code = rd_kafka_event_error(event);
    // A fatal error's event carries the underlying error and its text (rd_kafka_fatal_error()).
    bool const fatal = rd_kafka_event_error_is_fatal(event) != 0;
    std::string const reason = rd_kafka_event_error_string(event);
    rd_kafka_event_destroy(event);
    if (fatal) {
        logger_->critical("{}: fatal producer error, every delivery will fail until a restart: {}",
                          name_, reason);
        return;
    }
    if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        set_reachable(false, reason);
        return;
    }
    logger_->debug("{}: {}", name_, reason);
}

void KafkaSink::on_statistics(rd_kafka_event_t* event) {
    if (!reachable() && any_broker_up(rd_kafka_event_stats(event))) {
        set_reachable(true, "a broker is up");
    }
    rd_kafka_event_destroy(event);
}

void KafkaSink::on_log(rd_kafka_t const* rk, int level, char const* facility, char const* text) {
    KafkaSink& sink = sink_of(rk);
    // librdkafka's levels are syslog's: 0 to 3 errors, 4 warnings, 7 debug.
    // Its errors are mostly a broker's connection coming and going, which the sink reports
    // itself (no broker reachable, sink failed): warnings, so they do not read as callsink's.
    auto const spd = level <= 4   ? spdlog::level::warn
                     : level <= 6 ? spdlog::level::info
                                  : spdlog::level::debug;
    sink.logger_->log(spd, "{}: librdkafka {}: {}", sink.name_, facility, text);
}

void KafkaSink::set_reachable(bool reachable, std::string_view why) {
    if (reachable_.exchange(reachable, std::memory_order_relaxed) == reachable) {
        return;
    }
    if (reachable) {
        logger_->info("{}: reachable again ({})", name_, why);
    } else {
        logger_->error("{}: no broker reachable ({}); GET /readyz answers 503 until one is", name_,
                       why);
    }
}

boost::system::error_code KafkaSink::reopen() {
    return try_recover() ? boost::system::error_code{}
                         : kafka_error(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN);
}

bool KafkaSink::try_recover() {
    if (producer_ == nullptr) {
        return false;
    }
    rd_kafka_metadata_t const* metadata = nullptr;
    if (rd_kafka_metadata(producer_, 0, nullptr, &metadata, kMetadataTimeoutMs) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
        return false;
    }
    rd_kafka_metadata_destroy(metadata);
    set_reachable(true, "a broker answered a metadata request");
    return true;
}

std::uint64_t KafkaSink::in_flight() const {
    if (producer_ == nullptr) {
        return 0;
    }
    // rd_kafka_outq_len() also counts the events waiting in the main queue (a statistics event
    // each second, delivery reports): without them it is the messages librdkafka holds. Read in
    // this order, an event queued between the two reads makes the count smaller, never larger.
    auto const queued = static_cast<std::int64_t>(rd_kafka_outq_len(producer_));
    auto const events = static_cast<std::int64_t>(rd_kafka_queue_length(events_));
    return static_cast<std::uint64_t>(std::max<std::int64_t>(queued - events, 0));
}

void KafkaSink::close() {
    if (producer_ == nullptr) {
        return;
    }
    // write() waits for its batch, so only a purged batch's late reports can be left. The poller
    // still serves them: in event mode, flush waits for it to.
    if (rd_kafka_flush(producer_, static_cast<int>(options_.delivery_timeout.count())) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
        logger_->warn("{}: {} message(s) still unacknowledged at shutdown", name_,
                      rd_kafka_outq_len(producer_));
        rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    }
    poller_.stop();
    rd_kafka_queue_destroy(events_);
    events_ = nullptr;
    rd_kafka_destroy(producer_);
    producer_ = nullptr;
}

}  // namespace callsink
