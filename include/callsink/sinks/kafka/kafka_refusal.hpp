// Which of librdkafka's delivery errors refuse a message for good: the one place the Kafka sink
// decides it. A message over message.max.bytes (the producer's own check, or the broker's), a
// request the broker finds too large or a record it finds invalid, and a topic that does not
// exist and is not created (the broker's auto.create.topics.enable off, or the producer's
// allow.auto.create.topics) fail the same way however often they are sent, and would hold every
// record behind them: the sink names them as refused (Sink::refused), and its caller moves them
// to the dead-letter file. Everything else stays transient and is retried: brokers down,
// timeouts, leaders moving, queues full, and refusals that concern every message alike (an ACL,
// authentication), which an operator fixes without any record being set aside. A wrong guess
// towards transient only delays.
//
// Pure. Any thread.
#pragma once

#include <librdkafka/rdkafka.h>

namespace callsink {

bool kafka_refuses_for_good(rd_kafka_resp_err_t error);

}  // namespace callsink
