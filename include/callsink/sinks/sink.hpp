// The destination of stored records (records/record.hpp), whatever it is.
//
// A sink only knows how to put bytes somewhere: a file, standard output, a log. Ordering,
// batching, durability and retries belong to the pipeline (pipeline.hpp), which calls a sink from
// one thread at a time (its writer thread, or an io thread that writes a batch itself), so a
// sink needs no locking of its own (the split spdlog's base_sink makes between the lock and
// sink_it_()).
#pragma once

#include <boost/system/error_code.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "callsink/records/record.hpp"

namespace callsink {

// A record of a batch that a sink refuses for good: sending it again cannot store it (a value
// the database's types refuse, a message over the brokers' size limit), where an outage or a
// timeout may pass. Its place in the batch given to write(), and the sink's words for why.
struct RefusedRecord {
    std::size_t index;
    std::string error;
};

class Sink {
  public:
    virtual ~Sink() = default;

    // Names the sink in log lines and errors, e.g. "file /var/lib/callsink/events.jsonl".
    virtual std::string const& name() const = 0;

    // Writes every record of the batch, in order, or fails. On failure nothing of the batch may
    // remain half-written where a reader would see it, so a retry cannot duplicate or tear a line.
    virtual boost::system::error_code write(std::span<Record const> batch) = 0;

    // True where writing `bytes` more only hands them to the kernel's page cache or to a bounded
    // buffer: no sync, network, lock held elsewhere or other process to wait for. The pipeline
    // then lets an io thread write a batch itself instead of waking its writer thread (two
    // context switches a delivery when deliveries come one at a time). Called between writes,
    // by the thread about to write.
    virtual bool writes_without_waiting(std::size_t /*bytes*/) const { return false; }

    // After a write() that failed: the records of its batch that the sink refuses for good, in
    // batch order, when it stored every other record of the batch; empty when the failure is,
    // or may be, one that passes (then the whole batch is to be sent again). Each sink decides
    // what is permanent in one place, and what it does not know is not. Valid until the next
    // write().
    virtual std::span<RefusedRecord const> refused() const { return {}; }

    // Makes what write() wrote durable (fdatasync); a no-op where that means nothing.
    virtual boost::system::error_code sync() = 0;

    // Reopens the destination by name (after logrotate moved it away).
    virtual boost::system::error_code reopen() = 0;

    virtual void close() = 0;

    // Tries, without a record to write, to undo a failure that needs none to test, such as a
    // file that could not be opened. True only when the sink is known to work again; a sink
    // that cannot tell (a full disk shows only on a write) returns false.
    virtual bool try_recover() { return false; }

    // Tests, without a record, that a destination which looks healthy still works (a query to a
    // database), so GET /readyz sees an outage before a delivery fails on it. The writer calls it
    // every few seconds while idle. By default there is nothing to test.
    virtual boost::system::error_code check() { return {}; }

    // Records this sink discarded because it could not keep up (best-effort sinks only).
    virtual std::uint64_t dropped() const { return 0; }

    // Records handed to write() whose outcome the sink does not know yet: a best-effort sink's
    // buffer, a producer's queue. Thread-safe: /metrics reads it from an io thread.
    virtual std::uint64_t in_flight() const { return 0; }

    // False while the sink knows, without a write, that it cannot store (every Kafka broker
    // down), so GET /readyz answers 503 before a delivery fails. Thread-safe.
    virtual bool reachable() const { return true; }

    // The file it appends to, whose filesystem /metrics reports the free space of; empty for a
    // sink that writes no file. Start-up only.
    virtual std::string file_path() const { return {}; }
};

// A sink as the pipeline holds it: whether the reply waits for it ([[sinks]] required).
struct SinkSlot {
    std::unique_ptr<Sink> sink;
    bool required = true;
};

}  // namespace callsink
