// The counters behind GET /metrics, and their Prometheus text exposition (format 0.0.4).
//
// Each counter family is declared once, in kCounterFamilies (name, help, what it is counted
// by); counting, rendering and the tests' reads all go through its Counter. Gauges are read at
// render time: the sinks' (SinkReadings), the daemon's own (add_gauge) and the process's.
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

// Why a request was refused: the `reason` of callsink_refused_total.
enum class Refusal : std::size_t {
    auth,          // 401: the auth header missing or wrong
    address,       // 403: the client not in allow_ips
    memory,        // 503: server.max_buffered_bytes held by unfinished requests
    queue_full,    // 503: the write queue full
    storage,       // 503: a required sink or the rejects file failed
    shutdown,      // 503: the daemon stopping
    journal_full,  // 503: the journal holds journal.max_bytes not yet forwarded
};
inline constexpr std::array<std::string_view, 7> kRefusalNames{
    "auth", "address", "memory", "queue_full", "storage", "shutdown", "journal_full"};

// What a counter family is counted by: its label and where the label's values come from.
enum class LabelSet {
    none,
    event_type,   // event_type="…": the event types, by index (events/event_types.hpp)
    reject_code,  // code="…": the reject codes, by index
    refusal,      // reason="…": kRefusalNames, by Refusal
    status,       // code="…": the HTTP statuses of Metrics::kStatuses, by status_label()
    sink,         // sink="…": the sinks, by the index add_sink() gave
    forwarded,    // sink="…": the sinks forwarded from the journal, by add_forwarded_sink()
    dead_letter,  // sink="…": the sinks whose refusals go to the dead-letter file, likewise
};

enum class Counter : std::size_t {
    events,
    duplicates,
    rejects,
    unlisted_values,
    refused,
    requests,
    sink_written,
    sink_errors,
    sink_dropped,
    sink_syncs,
    journal_forwarded,
    journal_forward_errors,
    journal_damaged,
    sink_dead_letters,
};

struct CounterFamily {
    Counter counter;  // its place in kCounterFamilies
    std::string_view name;
    std::string_view help;
    LabelSet labels;
};

// Every counter callsink exports, declared once: /metrics renders them from here, call sites
// name them by Counter, and tests read them the same way.
inline constexpr std::array<CounterFamily, 14> kCounterFamilies{{
    {Counter::events, "callsink_events_total", "Events stored, by 8x8 eventType.",
     LabelSet::event_type},
    {Counter::duplicates, "callsink_duplicates_total",
     "Redeliveries answered without being stored again, by 8x8 eventType.", LabelSet::event_type},
    {Counter::rejects, "callsink_rejects_total",
     "Deliveries stored in the rejects file, by reason.", LabelSet::reject_code},
    {Counter::unlisted_values, "callsink_unlisted_values_total",
     "Values outside the lists of the 8x8 documents, kept as received.", LabelSet::none},
    {Counter::refused, "callsink_refused_total",
     "Requests refused: wrong auth header (401), address (403); 503 with Retry-After: "
     "server.max_buffered_bytes held by unfinished requests (memory), the write queue full "
     "(queue_full), a required sink or the rejects file failing (storage), shutting down "
     "(shutdown), the journal full of records not yet forwarded (journal_full).",
     LabelSet::refusal},
    {Counter::requests, "callsink_http_requests_total", "HTTP replies sent, by status code.",
     LabelSet::status},
    {Counter::sink_written, "callsink_sink_written_total",
     "Records a sink took (for a best-effort sink: into its buffer), by sink.", LabelSet::sink},
    {Counter::sink_errors, "callsink_sink_errors_total",
     "Failed writes (a whole batch each), by sink.", LabelSet::sink},
    {Counter::sink_dropped, "callsink_sink_dropped_total",
     "Records a best-effort sink could not keep up with, by sink.", LabelSet::sink},
    // With durability "fsync", records over syncs is the group commit's batch size.
    {Counter::sink_syncs, "callsink_sink_syncs_total",
     "Successful syncs (fdatasync) of a sink's writes, one per batch with durability \"fsync\", "
     "by sink.",
     LabelSet::sink},
    {Counter::journal_forwarded, "callsink_journal_forwarded_total",
     "Records a forwarder took from the journal to its sink, by forwarded sink.",
     LabelSet::forwarded},
    {Counter::journal_forward_errors, "callsink_journal_forward_errors_total",
     "Failed sends of a batch from the journal to its sink (each retried), by forwarded sink.",
     LabelSet::forwarded},
    {Counter::journal_damaged, "callsink_journal_damaged_records_total",
     "Damaged spans of the journal (each at least one record) copied to its quarantine folder "
     "and skipped.",
     LabelSet::none},
    {Counter::sink_dead_letters, "callsink_sink_dead_letter_total",
     "Records a sink refused for good (a value it can never store), written to the dead-letter "
     "file instead and answered, by sink.",
     LabelSet::dead_letter},
}};

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
    // The HTTP statuses counted one by one; any other is counted as "other".
    static constexpr std::array<unsigned, 12> kStatuses{200, 400, 401, 403, 404, 405,
                                                        408, 413, 431, 500, 503, 0};

    // event_types[i] labels the counters of event type i (its index in events/event_types.hpp),
    // reject_codes[i] those of reject code i; an index without a label is not counted.
    Metrics(std::span<std::string_view const> event_types = {},
            std::span<std::string_view const> reject_codes = {});
    Metrics(Metrics const&) = delete;
    Metrics& operator=(Metrics const&) = delete;

    // Start-up only.
    // The label index of the sink's counters.
    std::size_t add_sink(std::string name, SinkReadings readings = {});
    void add_gauge(std::string name, std::string help, std::function<double()> read);
    // A gauge with labels (`sink`, say): gauges of one name share its help, and render together.
    void add_gauge(std::string name, std::string help,
                   std::vector<std::pair<std::string, std::string>> labels,
                   std::function<double()> read);
    // The label index of a forwarded sink's counters (LabelSet::forwarded).
    std::size_t add_forwarded_sink(std::string name);
    // The label index of a sink's dead-letter counter (LabelSet::dead_letter).
    std::size_t add_dead_letter_sink(std::string name);

    // `label` is the index in the counter's LabelSet; 0 for one without labels. An index out of
    // range is not counted.
    void add(Counter counter, std::size_t label = 0, std::uint64_t n = 1);
    void refuse(Refusal why) { add(Counter::refused, static_cast<std::size_t>(why)); }
    // Counts the reply in callsink_http_requests_total and its time in the histogram.
    void observe_request(unsigned status, std::chrono::steady_clock::duration duration);

    std::string render() const;

    std::uint64_t value(Counter counter, std::size_t label = 0) const;
    std::uint64_t refused(Refusal why) const {
        return value(Counter::refused, static_cast<std::size_t>(why));
    }
    // The label index of an HTTP status in Counter::requests.
    static std::size_t status_label(unsigned status);

  private:
    using Atomic = std::atomic<std::uint64_t>;
    static constexpr std::array<double, 13> kBuckets{
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

    struct Sink {
        std::string name;
        SinkReadings readings;
        std::string directory;  // readings.file's folder, for statvfs
    };
    struct Gauge {
        std::string name;
        std::string help;
        std::string labels;  // as rendered: sink="…"
        std::function<double()> read;
    };

    std::vector<std::string> label_values(LabelSet labels) const;
    // Appends `name` to `values`, the label values of `labels`, with a slot in each of its
    // families; its index.
    std::size_t add_label(LabelSet labels, std::vector<std::string>& values, std::string name);

    std::chrono::system_clock::time_point started_;
    std::vector<std::string> event_types_;
    std::vector<std::string> reject_codes_;
    // One slot per label value of each family; deques, so that slots stay put (atomics cannot
    // move) as add_sink() adds the sinks' slots.
    std::array<std::deque<Atomic>, kCounterFamilies.size()> counters_;
    std::array<Atomic, kBuckets.size() + 1> duration_buckets_{};  // not cumulative; last: +Inf
    Atomic duration_sum_ns_{0};
    std::deque<Sink> sinks_;
    std::vector<std::string> forwarded_sinks_;
    std::vector<std::string> dead_letter_sinks_;
    std::vector<Gauge> gauges_;
};

}  // namespace callsink
