// The Kafka sink against librdkafka's mock cluster, in process: write() answers a batch once
// every record is acknowledged, with nothing left in flight; a batch larger than librdkafka's
// queue waits for room; one delivery at a time takes well under librdkafka's 10 ms flush step
// (the batch's last delivery report wakes write(), nothing polls in steps); with every broker
// down, write() fails with "message timed out" within delivery_timeout_ms, reachable() turns
// false and true again by itself, and the next batch succeeds whatever the purged batch still
// reports.
#include "callsink/sinks/kafka/kafka_sink.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka_mock.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "callsink/records/record.hpp"

namespace callsink {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char const* kTopic = "events";
constexpr int kBrokers = 3;

// Every line logged, formatted without the pattern's prefix.
class CapturingSink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    std::vector<std::string> lines() {
        std::lock_guard lock(mutex_);
        return lines_;
    }

  protected:
    void sink_it_(spdlog::details::log_msg const& message) override {
        lines_.emplace_back(message.payload.data(), message.payload.size());
    }
    void flush_() override {}

  private:
    std::vector<std::string> lines_;
};

struct RdKafkaDeleter {
    void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct MockDeleter {
    void operator()(rd_kafka_mock_cluster_t* cluster) const {
        rd_kafka_mock_cluster_destroy(cluster);
    }
};

// librdkafka's mock cluster: kBrokers brokers, the topic with 3 partitions replicated 3 times.
class MockCluster {
  public:
    MockCluster() {
        char error[512];
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "0", error, sizeof error);
        // The brokers' connections without Nagle's algorithm, as a Kafka broker's are (and
        // callsink_kafka_mock's): with it, a response could wait 40 ms for the client's ACK.
        rd_kafka_conf_set(conf, "socket.nagle.disable", "true", error, sizeof error);
        owner_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error));
        if (!owner_) {
            rd_kafka_conf_destroy(conf);
            throw std::runtime_error(error);
        }
        cluster_.reset(rd_kafka_mock_cluster_new(owner_.get(), kBrokers));
        if (!cluster_ || rd_kafka_mock_topic_create(cluster_.get(), kTopic, 3, 3) !=
                             RD_KAFKA_RESP_ERR_NO_ERROR) {
            throw std::runtime_error("cannot start librdkafka's mock cluster");
        }
    }
    MockCluster(MockCluster const&) = delete;
    MockCluster& operator=(MockCluster const&) = delete;
    ~MockCluster() {
        cluster_.reset();  // before its owner
        owner_.reset();
    }

    std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_.get()); }

    void set_all(bool up) {
        for (int id = 1; id <= kBrokers; ++id) {
            ASSERT_EQ(up ? rd_kafka_mock_broker_set_up(cluster_.get(), id)
                         : rd_kafka_mock_broker_set_down(cluster_.get(), id),
                      RD_KAFKA_RESP_ERR_NO_ERROR);
        }
    }

  private:
    std::unique_ptr<rd_kafka_t, RdKafkaDeleter> owner_;
    std::unique_ptr<rd_kafka_mock_cluster_t, MockDeleter> cluster_;
};

Record call_status(std::string const& event_id) {
    Record record;
    record.line = R"({"eventType":"CALL_STATUS","payload":{"eventId":")" + event_id + "\"}}\n";
    record.summary.event_type = "CALL_STATUS";
    record.summary.set_ids(event_id, "session-1");
    record.request_id = "request-" + event_id;
    return record;
}

std::vector<Record> batch_of(std::size_t count, std::string const& prefix) {
    std::vector<Record> batch;
    for (std::size_t i = 0; i < count; ++i) {
        batch.push_back(call_status(prefix + "-" + std::to_string(i)));
    }
    return batch;
}

bool wait_until(std::function<bool()> const& predicate, std::chrono::seconds timeout = 15s) {
    auto const deadline = Clock::now() + timeout;
    while (!predicate()) {
        if (Clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

class KafkaSinkTest : public ::testing::Test {
  protected:
    std::unique_ptr<KafkaSink> open_sink(std::chrono::milliseconds timeout = 5000ms,
                                         std::vector<KafkaProperty> properties = {}) {
        KafkaSinkOptions options;
        options.brokers = cluster_.bootstraps();
        options.topic = kTopic;
        options.delivery_timeout = timeout;
        options.properties = std::move(properties);
        return std::make_unique<KafkaSink>(std::move(options), logger_);
    }

    // What librdkafka says when something served its queue with rd_kafka_poll() in event mode.
    void expect_no_dropped_reports() {
        for (std::string const& line : capture_->lines()) {
            EXPECT_THAT(line, ::testing::Not(::testing::HasSubstr("Dropped delivery report")));
        }
    }

    MockCluster cluster_;
    std::shared_ptr<CapturingSink> capture_ = std::make_shared<CapturingSink>();
    std::shared_ptr<spdlog::logger> logger_ = [this] {
        auto logger = std::make_shared<spdlog::logger>("test", capture_);
        logger->set_level(spdlog::level::debug);
        return logger;
    }();
};

TEST_F(KafkaSinkTest, AnswersABatchOnceEveryRecordIsAcknowledgedWithNothingLeftInFlight) {
    auto sink = open_sink();
    for (int round = 0; round < 3; ++round) {
        auto const batch = batch_of(5, "batch-" + std::to_string(round));
        EXPECT_FALSE(sink->write(batch)) << round;
        EXPECT_EQ(sink->in_flight(), 0u) << round;
    }
    EXPECT_TRUE(sink->reachable());
    EXPECT_TRUE(sink->try_recover());
    sink->close();
    expect_no_dropped_reports();
}

TEST_F(KafkaSinkTest, ABatchLargerThanLibrdkafkasQueueWaitsForRoom) {
    // Room for 4 messages: the batch of 40 meets a full queue ten times.
    auto sink = open_sink(5000ms, {{"queue.buffering.max.messages", "4",
                                    "sinks[0].librdkafka.\"queue.buffering.max.messages\""}});
    auto const batch = batch_of(40, "big");
    EXPECT_FALSE(sink->write(batch));
    EXPECT_EQ(sink->in_flight(), 0u);
    EXPECT_FALSE(sink->write(batch_of(3, "after")));
    sink->close();
    expect_no_dropped_reports();
}

TEST_F(KafkaSinkTest, OneDeliveryAtATimeTakesWellUnderLibrdkafkasTenMillisecondFlushStep) {
    auto sink = open_sink();
    ASSERT_FALSE(sink->write(batch_of(1, "warm-up")));  // connections, leaders, producer id
    std::vector<double> ms;
    for (int i = 0; i < 20; ++i) {
        auto const batch = batch_of(1, "one-" + std::to_string(i));
        auto const started = Clock::now();
        ASSERT_FALSE(sink->write(batch)) << i;
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
    }
    std::sort(ms.begin(), ms.end());
    // Each took at least 10 ms while rd_kafka_flush() polled for reports that the sink's own
    // thread took; generous, for the sanitizers and a busy machine.
    EXPECT_LT(ms[ms.size() / 2], 5.0) << "median of 20, fastest " << ms.front() << " ms";
}

TEST_F(KafkaSinkTest, BrokersDownTimesOutReadyAgainByItselfAndTheNextBatchSucceeds) {
    auto const timeout = 1000ms;
    auto sink = open_sink(timeout);
    // Connections, leaders and the producer id first. Under the sanitizers on a busy machine that
    // can take longer than the 1 s delivery timeout (CI once failed here), so the first batches
    // may time out; one must succeed.
    boost::system::error_code warm_up = make_error_code(boost::system::errc::io_error);
    ASSERT_TRUE(wait_until([&] { return !(warm_up = sink->write(batch_of(2, "before"))); }))
        << warm_up.message();

    cluster_.set_all(false);
    EXPECT_TRUE(wait_until([&] { return !sink->reachable(); })) << "no \"all brokers down\"";
    auto const started = Clock::now();
    auto const error = sink->write(batch_of(3, "down"));
    auto const elapsed = Clock::now() - started;
    EXPECT_EQ(error, boost::system::error_code(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, kafka_category()))
        << error.message();
    // delivery_timeout_ms, and the purge's grace at most.
    EXPECT_LT(elapsed, timeout + 1500ms);
    EXPECT_FALSE(sink->reachable());
    EXPECT_FALSE(sink->try_recover());

    cluster_.set_all(true);
    EXPECT_TRUE(wait_until([&] { return sink->reachable(); })) << "not reachable again";
    // A leader may still be reconnecting: the first batches may time out; one succeeds.
    boost::system::error_code last = make_error_code(boost::system::errc::io_error);
    EXPECT_TRUE(wait_until([&] { return !(last = sink->write(batch_of(2, "back"))); }))
        << last.message();
    EXPECT_EQ(sink->in_flight(), 0u);
    sink->close();
    expect_no_dropped_reports();
    auto const lines = capture_->lines();
    EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](std::string const& line) {
        return line.find("no broker reachable") != std::string::npos;
    }));
    EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](std::string const& line) {
        return line.find("reachable again") != std::string::npos;
    }));
}

}  // namespace
}  // namespace callsink
