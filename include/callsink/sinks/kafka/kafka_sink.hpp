// A sink that produces each record to Kafka (librdkafka) and returns from write() only when the
// broker has acknowledged every record of the batch, or failed to within delivery_timeout_ms:
// the pipeline answers 200 on the first, 503 with Retry-After on the second, so a 200 means the
// record is in the topic. Nothing waits past the timeout: librdkafka gives up on a message at
// message.timeout.ms (set to the same value), and what is left after it is purged. A record so
// answered 503 may still have reached the broker (its acknowledgement was lost); 8x8 delivers it
// again and the consumer drops the copy by its redeliveryKey header.
//
// Each message: the record's line without its newline as the value; the session id (or event id,
// or nothing) as the key, so one session's events keep their order in one partition; headers
// eventType, eventId (where the type has one), requestId and redeliveryKey (the same for every
// replica, records/redelivery_key.hpp).
//
// A thread of the sink's own (a Worker, base/worker.hpp) serves librdkafka's events (delivery
// reports, errors, statistics) from its main queue, so the broker state is known between
// deliveries: reachable() is false from librdkafka's "all brokers down" until its statistics show a
// broker up again, which GET /readyz reports. It hands each delivery report to a DeliveryTracker
// (delivery_tracker.hpp), on which write() waits: the batch's last report wakes it, with no
// polling step (rd_kafka_flush() in callback mode polls in 10 ms steps, a floor under every
// batch). Events, not callbacks: one event carries the reports of a whole produce request, handed
// over under one lock. librdkafka's log lines still come by callback, from its own threads.
// write(), sync(), reopen(), close() and try_recover() run on one thread (the pipeline's writer or
// a BufferedSink's); in_flight() and reachable() on any.
#pragma once

#include <librdkafka/rdkafka.h>
#include <spdlog/logger.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "callsink/base/worker.hpp"
#include "callsink/sinks/kafka/delivery_tracker.hpp"
#include "callsink/sinks/kafka/kafka_settings.hpp"
#include "callsink/sinks/sink.hpp"

namespace callsink {

// librdkafka's error codes, as error_codes whose message is librdkafka's own.
boost::system::error_category const& kafka_category();

class KafkaSink final : public Sink {
  public:
    // Creates the producer; it connects in the background. Throws ConfigError (naming the
    // brokers key) when librdkafka cannot create it.
    KafkaSink(KafkaSinkOptions options, std::shared_ptr<spdlog::logger> logger);
    ~KafkaSink() override;
    KafkaSink(KafkaSink const&) = delete;
    KafkaSink& operator=(KafkaSink const&) = delete;

    std::string const& name() const override { return name_; }
    boost::system::error_code write(std::span<Record const> batch) override;
    // Messages refused with an error kafka_refusal.hpp calls permanent, when every other message
    // of the batch was acknowledged.
    std::span<RefusedRecord const> refused() const override { return refused_; }
    boost::system::error_code sync() override { return {}; }
    // SIGHUP is for files; the producer and its connections are left alone. Says whether a broker
    // answers, so a failing sink is not taken for recovered.
    boost::system::error_code reopen() override;
    void close() override;
    // A metadata request that a broker answers (within 250 ms).
    bool try_recover() override;
    std::uint64_t in_flight() const override;
    bool reachable() const override { return reachable_.load(std::memory_order_relaxed); }

  private:
    static void on_log(rd_kafka_t const* rk, int level, char const* facility, char const* text);

    // `tag`: the message's opaque (DeliveryTracker::tag).
    boost::system::error_code produce(Record const& record, void* tag,
                                      std::chrono::steady_clock::time_point deadline);
    // After a batch of `messages` failed: its failures into refused_, if each is permanent.
    void note_refused(std::size_t messages);
    void set_reachable(bool reachable, std::string_view why);
    std::string const& topic_for(std::string_view event_type);
    // The poller's step: serves what librdkafka's queue holds, waiting at most kPollMs for it.
    Worker::Next serve_events(Worker::Turn& turn);
    // Each takes the event and destroys it.
    void on_delivery_report(rd_kafka_event_t* event);
    void on_error(rd_kafka_event_t* event);
    void on_statistics(rd_kafka_event_t* event);

    KafkaSinkOptions options_;
    std::shared_ptr<spdlog::logger> logger_;
    std::string name_;
    rd_kafka_t* producer_ = nullptr;
    rd_kafka_queue_t* events_ = nullptr;  // the producer's main queue (delivery reports included)
    std::unordered_map<std::string_view, std::string> topics_;  // by event type (static names)
    std::atomic<bool> reachable_{true};
    std::vector<DeliveryTracker::Report> reports_;  // the poller's, reused for each report event
    // The batch being written: its id travels with each message as its opaque.
    DeliveryTracker deliveries_;
    std::vector<RefusedRecord> refused_;  // Sink::refused()

    Worker poller_;  // last: it stops first, while what it serves still exists
};

}  // namespace callsink
