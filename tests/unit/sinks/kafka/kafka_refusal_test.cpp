// The Kafka sink's classification of delivery errors: a message too large and a topic that does
// not exist are permanent; brokers down, timeouts and refusals of every message alike stay
// transient (retried).
#include "callsink/sinks/kafka/kafka_refusal.hpp"

#include <gtest/gtest.h>

namespace callsink {
namespace {

TEST(KafkaRefusal, AMessageOverMessageMaxBytesIsPermanent) {
    EXPECT_TRUE(kafka_refuses_for_good(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE));
    EXPECT_TRUE(kafka_refuses_for_good(RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE));
}

TEST(KafkaRefusal, ATopicThatDoesNotExistAndIsNotCreatedIsPermanent) {
    EXPECT_TRUE(kafka_refuses_for_good(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC));
    EXPECT_TRUE(kafka_refuses_for_good(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART));
}

TEST(KafkaRefusal, ARecordTheBrokerFindsInvalidIsPermanent) {
    EXPECT_TRUE(kafka_refuses_for_good(RD_KAFKA_RESP_ERR_INVALID_RECORD));
}

TEST(KafkaRefusal, OutagesAndTimeoutsAreTransient) {
    for (auto error : {RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__TIMED_OUT,
                       RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__TRANSPORT,
                       RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                       RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                       RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR__PURGE_QUEUE,
                       RD_KAFKA_RESP_ERR__PURGE_INFLIGHT, RD_KAFKA_RESP_ERR__DESTROY}) {
        EXPECT_FALSE(kafka_refuses_for_good(error)) << rd_kafka_err2str(error);
    }
}

TEST(KafkaRefusal, RefusalsOfEveryMessageAlikeAreTransient) {
    for (auto error : {RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
                       RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED,
                       RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR__FATAL}) {
        EXPECT_FALSE(kafka_refuses_for_good(error)) << rd_kafka_err2str(error);
    }
}

TEST(KafkaRefusal, AnUnclassifiedErrorIsTransient) {
    EXPECT_FALSE(kafka_refuses_for_good(RD_KAFKA_RESP_ERR_UNKNOWN));
    EXPECT_FALSE(kafka_refuses_for_good(RD_KAFKA_RESP_ERR_INVALID_MSG));
}

}  // namespace
}  // namespace callsink
