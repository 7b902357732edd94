// The counters behind GET /metrics, and their Prometheus text exposition (format 0.0.4).
//
// Counting is a relaxed atomic increment on a fixed slot: no lock and no allocation per request,
// whatever the number of io threads. Label values come from fixed sets given at start-up (the
// event types' labels and the reject codes, by index; HTTP statuses; sinks), so a delivery cannot
// create new series, and this file knows nothing of what the labels mean. Sinks and gauges are
// registered at start-up, before any request; after that the object is only read and
// incremented, from any thread. Rendering also reads the process's own figures (/proc) and the
// space left on each file sink's filesystem (statvfs). Values are printed exactly: integers as
// integers, other values in the shortest form that reads back as the same double.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace callsink {

// What /metrics reads of a sink when it renders, on the thread that renders.
struct SinkReadings {
    // Records handed to the sink whose outcome is not known yet; none: always 0.
    std::function<std::uint64_t()> in_flight;
    // Whether it accepts writes now (callsink_sink_up); none: always.
    std::function<bool()> up;
    bool required = true;  // whether replies wait for it: a label of callsink_sink_up
    // The file it appends to: the space left on that file's filesystem is read (statvfs) at each
    // render (callsink_sink_filesystem_*); empty: none.
    std::string file;
};

class Metrics {
  public:
    // event_types[i] labels the counters of event type i (its index in events/event_types.hpp),
    // reject_codes[i] those of reject code i; an index without a label is not counted.
    Metrics(std::span<std::string_view const> event_types = {},
            std::span<std::string_view const> reject_codes = {});
    Metrics(Metrics const&) = delete;
    Metrics& operator=(Metrics const&) = delete;

    // Start-up only.
    // The index for count_sink_*.
    std::size_t add_sink(std::string name, SinkReadings readings = {});
    void add_gauge(std::string name, std::string help, std::function<double()> read);

    void count_event(std::size_t type);
    void count_duplicate(std::size_t type);
    void count_reject(std::size_t code);
    void count_unlisted_value();
    void count_sink_written(std::size_t sink, std::uint64_t records);
    void count_sink_error(std::size_t sink);
    void count_sink_drops(std::size_t sink, std::uint64_t records);
    void count_sink_sync(std::size_t sink);  // durability "fsync": one per batch
    void count_unauthorized();
    void count_forbidden();
    void count_over_budget();  // refused: server.max_buffered_bytes in use (503)
    // Deliveries answered 503 by the pipeline: the write queue was full, a required sink (or the
    // rejects file) failed, or the daemon was stopping.
    void count_queue_full();
    void count_storage_failed();
    void count_stopping();
    void observe_request(unsigned status, std::chrono::steady_clock::duration duration);

    std::string render() const;

    // Tests read single values through these.
    std::uint64_t events(std::size_t type) const;
    std::uint64_t duplicates(std::size_t type) const;
    std::uint64_t rejects(std::size_t code) const;
    std::uint64_t requests(unsigned status) const;
    std::uint64_t over_budget() const;
    std::uint64_t queue_full() const;
    std::uint64_t storage_failed() const;
    std::uint64_t stopping() const;
    std::uint64_t sink_written(std::size_t sink) const;
    std::uint64_t sink_errors(std::size_t sink) const;
    std::uint64_t sink_syncs(std::size_t sink) const;

  private:
    using Counter = std::atomic<std::uint64_t>;
    static constexpr std::array<unsigned, 12> kStatuses{200, 400, 401, 403, 404, 405,
                                                        408, 413, 431, 500, 503, 0};
    static constexpr std::array<double, 13> kBuckets{
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
    static std::size_t status_slot(unsigned status);

    // Counters by label, fixed in number at construction.
    struct Labelled {
        std::vector<std::string> labels;
        std::unique_ptr<Counter[]> counters;

        explicit Labelled(std::span<std::string_view const> names);
        void add(std::size_t index, std::uint64_t n = 1);
        std::uint64_t value(std::size_t index) const;
    };

    struct Sink {
        std::string name;
        SinkReadings readings;
        std::string directory;  // readings.file's folder, for statvfs
        Counter written{0};
        Counter errors{0};
        Counter dropped{0};
        Counter syncs{0};
    };
    struct Gauge {
        std::string name;
        std::string help;
        std::function<double()> read;
    };

    std::chrono::system_clock::time_point started_;
    Labelled events_;
    Labelled duplicates_;
    Labelled rejects_;
    Counter unlisted_values_{0};
    Counter unauthorized_{0};
    Counter forbidden_{0};
    Counter over_budget_{0};
    Counter queue_full_{0};
    Counter storage_failed_{0};
    Counter stopping_{0};
    std::array<Counter, kStatuses.size()> requests_{};
    std::array<Counter, kBuckets.size() + 1> duration_buckets_{};  // not cumulative; last: +Inf
    Counter duration_sum_ns_{0};
    std::deque<Sink> sinks_;  // a deque: elements stay put, atomics cannot move
    std::vector<Gauge> gauges_;
};

}  // namespace callsink
