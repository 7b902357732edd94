#include "callsink/sinks/kafka/kafka_refusal.hpp"

namespace callsink {

bool kafka_refuses_for_good(rd_kafka_resp_err_t error) {
    switch (error) {
        case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:     // over message.max.bytes
        case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:  // the broker's limit on a request
        case RD_KAFKA_RESP_ERR_INVALID_RECORD:         // the broker's checks of a record
        case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:         // not in the cluster, not created
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:  // the broker's word for the same
            return true;
        default:
            return false;
    }
}

}  // namespace callsink
