#include "callsink/ops/metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>

namespace callsink {

namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

// Exact: an integral value as an integer (a byte count, a file count), anything else in the
// shortest text that reads back as the same double (a start time with its milliseconds; %.9g
// put it up to 5 s off).
std::string number(double value) {
    std::array<char, 64> text;
    constexpr double kTwoToThe53 = 9007199254740992.0;
    double const magnitude = std::fabs(value);
    char* end = nullptr;
    if (std::trunc(value) == value && magnitude < kTwoToThe53) {
        end = std::to_chars(text.begin(), text.end(), static_cast<std::int64_t>(value)).ptr;
    } else if (magnitude >= 1e-6 && magnitude < 1e16) {
        // Plain digits ("0.0005", not "5e-04"), as a person reading /metrics expects.
        end = std::to_chars(text.begin(), text.end(), value, std::chars_format::fixed).ptr;
    } else {
        end = std::to_chars(text.begin(), text.end(), value).ptr;
    }
    return std::string(text.data(), end);
}

// Label values are escaped as the exposition format asks: backslash, quote and newline.
std::string label(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

class Text {
  public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        out_ += "# HELP ";
        out_ += name;
        out_ += ' ';
        out_ += help;
        out_ += "\n# TYPE ";
        out_ += name;
        out_ += ' ';
        out_ += type;
        out_ += '\n';
    }
    void sample(std::string_view name, std::string_view labels, std::string const& value) {
        out_ += name;
        if (!labels.empty()) {
            out_ += '{';
            out_ += labels;
            out_ += '}';
        }
        out_ += ' ';
        out_ += value;
        out_ += '\n';
    }
    std::string take() { return std::move(out_); }

  private:
    std::string out_;
};

struct ProcessStats {
    double resident_bytes = 0;
    double cpu_seconds = 0;
    double open_fds = 0;
};

ProcessStats read_process_stats() {
    ProcessStats stats;
    std::ifstream statm("/proc/self/statm");
    double pages_total = 0;
    double pages_resident = 0;
    if (statm >> pages_total >> pages_resident) {
        stats.resident_bytes = pages_resident * static_cast<double>(::sysconf(_SC_PAGESIZE));
    }
    rusage usage{};
    if (::getrusage(RUSAGE_SELF, &usage) == 0) {
        stats.cpu_seconds =
            static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
            static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    }
    if (DIR* dir = ::opendir("/proc/self/fd")) {
        while (dirent const* entry = ::readdir(dir)) {
            stats.open_fds += entry->d_name[0] == '.' ? 0 : 1;
        }
        ::closedir(dir);
        stats.open_fds -= 1;  // the descriptor opendir itself holds
    }
    return stats;
}

struct FilesystemSpace {
    double avail_bytes = 0;  // free to an unprivileged writer such as callsink
    double size_bytes = 0;
};

std::optional<FilesystemSpace> read_filesystem_space(std::string const& directory) {
    struct statvfs fs {};
    if (::statvfs(directory.c_str(), &fs) != 0) {
        return std::nullopt;
    }
    auto const fragment = static_cast<double>(fs.f_frsize);
    return FilesystemSpace{static_cast<double>(fs.f_bavail) * fragment,
                           static_cast<double>(fs.f_blocks) * fragment};
}

}  // namespace

Metrics::Labelled::Labelled(std::span<std::string_view const> names)
    : labels(names.begin(), names.end()), counters(std::make_unique<Counter[]>(names.size())) {}

void Metrics::Labelled::add(std::size_t index, std::uint64_t n) {
    if (index < labels.size()) {
        counters[index].fetch_add(n, kRelaxed);
    }
}

std::uint64_t Metrics::Labelled::value(std::size_t index) const {
    return index < labels.size() ? counters[index].load(kRelaxed) : 0;
}

Metrics::Metrics(std::span<std::string_view const> event_types,
                 std::span<std::string_view const> reject_codes)
    : started_(std::chrono::system_clock::now()),
      events_(event_types),
      duplicates_(event_types),
      rejects_(reject_codes) {}

std::size_t Metrics::add_sink(std::string name, SinkReadings readings) {
    Sink& sink = sinks_.emplace_back();
    sink.name = std::move(name);
    if (!readings.file.empty()) {
        // The folder, not the file: it is there while logrotate has moved the file away.
        std::filesystem::path const folder = std::filesystem::path(readings.file).parent_path();
        sink.directory = folder.empty() ? "." : folder.string();
    }
    sink.readings = std::move(readings);
    return sinks_.size() - 1;
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
    gauges_.push_back(Gauge{std::move(name), std::move(help), std::move(read)});
}

void Metrics::count_event(std::size_t type) {
    events_.add(type);
}
void Metrics::count_duplicate(std::size_t type) {
    duplicates_.add(type);
}
void Metrics::count_reject(std::size_t code) {
    rejects_.add(code);
}
void Metrics::count_unlisted_value() {
    unlisted_values_.fetch_add(1, kRelaxed);
}
void Metrics::count_sink_written(std::size_t sink, std::uint64_t records) {
    sinks_[sink].written.fetch_add(records, kRelaxed);
}
void Metrics::count_sink_error(std::size_t sink) {
    sinks_[sink].errors.fetch_add(1, kRelaxed);
}
void Metrics::count_sink_drops(std::size_t sink, std::uint64_t records) {
    sinks_[sink].dropped.fetch_add(records, kRelaxed);
}
void Metrics::count_sink_sync(std::size_t sink) {
    sinks_[sink].syncs.fetch_add(1, kRelaxed);
}
void Metrics::count_over_budget() {
    over_budget_.fetch_add(1, kRelaxed);
}
void Metrics::count_queue_full() {
    queue_full_.fetch_add(1, kRelaxed);
}
void Metrics::count_storage_failed() {
    storage_failed_.fetch_add(1, kRelaxed);
}
void Metrics::count_stopping() {
    stopping_.fetch_add(1, kRelaxed);
}

void Metrics::count_unauthorized() {
    unauthorized_.fetch_add(1, kRelaxed);
}
void Metrics::count_forbidden() {
    forbidden_.fetch_add(1, kRelaxed);
}

std::size_t Metrics::status_slot(unsigned status) {
    for (std::size_t i = 0; i + 1 < kStatuses.size(); ++i) {
        if (kStatuses[i] == status) {
            return i;
        }
    }
    return kStatuses.size() - 1;
}

void Metrics::observe_request(unsigned status, std::chrono::steady_clock::duration duration) {
    requests_[status_slot(status)].fetch_add(1, kRelaxed);
    double const seconds = std::chrono::duration<double>(duration).count();
    std::size_t bucket = 0;
    while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) {
        ++bucket;
    }
    duration_buckets_[bucket].fetch_add(1, kRelaxed);
    auto const ns = std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
    duration_sum_ns_.fetch_add(static_cast<std::uint64_t>(ns > 0 ? ns : 0), kRelaxed);
}

std::uint64_t Metrics::events(std::size_t type) const {
    return events_.value(type);
}
std::uint64_t Metrics::duplicates(std::size_t type) const {
    return duplicates_.value(type);
}
std::uint64_t Metrics::rejects(std::size_t code) const {
    return rejects_.value(code);
}
std::uint64_t Metrics::sink_written(std::size_t sink) const {
    return sinks_[sink].written.load(kRelaxed);
}
std::uint64_t Metrics::sink_errors(std::size_t sink) const {
    return sinks_[sink].errors.load(kRelaxed);
}
std::uint64_t Metrics::sink_syncs(std::size_t sink) const {
    return sinks_[sink].syncs.load(kRelaxed);
}
std::uint64_t Metrics::over_budget() const {
    return over_budget_.load(kRelaxed);
}
std::uint64_t Metrics::queue_full() const {
    return queue_full_.load(kRelaxed);
}
std::uint64_t Metrics::storage_failed() const {
    return storage_failed_.load(kRelaxed);
}
std::uint64_t Metrics::stopping() const {
    return stopping_.load(kRelaxed);
}
std::uint64_t Metrics::requests(unsigned status) const {
    return requests_[status_slot(status)].load(kRelaxed);
}

std::string Metrics::render() const {
    Text text;
    auto const by_label = [&](char const* name, char const* help, char const* label_name,
                              Labelled const& counters) {
        text.family(name, "counter", help);
        for (std::size_t i = 0; i < counters.labels.size(); ++i) {
            text.sample(name, std::string(label_name) + "=\"" + label(counters.labels[i]) + "\"",
                        std::to_string(counters.value(i)));
        }
    };
    text.family("callsink_build_info", "gauge", "The running callsink's version; always 1.");
    text.sample("callsink_build_info", "version=\"" CALLSINK_VERSION "\"", "1");

    by_label("callsink_events_total", "Events stored, by 8x8 eventType.", "event_type", events_);
    by_label("callsink_duplicates_total",
             "Redeliveries answered without being stored again, by 8x8 eventType.", "event_type",
             duplicates_);
    by_label("callsink_rejects_total", "Deliveries stored in the rejects file, by reason.", "code",
             rejects_);
    text.family("callsink_unlisted_values_total", "counter",
                "Values outside the lists of the 8x8 documents, kept as received.");
    text.sample("callsink_unlisted_values_total", "",
                std::to_string(unlisted_values_.load(kRelaxed)));
    text.family("callsink_refused_total", "counter",
                "Requests refused: wrong auth header (401), address (403); 503 with Retry-After: "
                "server.max_buffered_bytes held by unfinished requests (memory), the write queue "
                "full (queue_full), a required sink or the rejects file failing (storage), "
                "shutting down (shutdown).");
    text.sample("callsink_refused_total", "reason=\"auth\"",
                std::to_string(unauthorized_.load(kRelaxed)));
    text.sample("callsink_refused_total", "reason=\"address\"",
                std::to_string(forbidden_.load(kRelaxed)));
    text.sample("callsink_refused_total", "reason=\"memory\"",
                std::to_string(over_budget_.load(kRelaxed)));
    text.sample("callsink_refused_total", "reason=\"queue_full\"",
                std::to_string(queue_full_.load(kRelaxed)));
    text.sample("callsink_refused_total", "reason=\"storage\"",
                std::to_string(storage_failed_.load(kRelaxed)));
    text.sample("callsink_refused_total", "reason=\"shutdown\"",
                std::to_string(stopping_.load(kRelaxed)));

    text.family("callsink_http_requests_total", "counter", "HTTP replies sent, by status code.");
    for (std::size_t i = 0; i < kStatuses.size(); ++i) {
        std::string const code = kStatuses[i] == 0 ? "other" : std::to_string(kStatuses[i]);
        text.sample("callsink_http_requests_total", "code=\"" + code + "\"",
                    std::to_string(requests_[i].load(kRelaxed)));
    }
    text.family("callsink_request_duration_seconds", "histogram",
                "From a request's header to its reply, storing included.");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= kBuckets.size(); ++i) {
        cumulative += duration_buckets_[i].load(kRelaxed);
        std::string const le = i < kBuckets.size() ? number(kBuckets[i]) : "+Inf";
        text.sample("callsink_request_duration_seconds_bucket", "le=\"" + le + "\"",
                    std::to_string(cumulative));
    }
    text.sample("callsink_request_duration_seconds_sum", "",
                number(static_cast<double>(duration_sum_ns_.load(kRelaxed)) / 1e9));
    text.sample("callsink_request_duration_seconds_count", "", std::to_string(cumulative));

    auto const by_sink = [&](char const* name, char const* type, char const* help,
                             auto const& read) {
        text.family(name, type, help);
        for (Sink const& sink : sinks_) {
            text.sample(name, "sink=\"" + label(sink.name) + "\"", std::to_string(read(sink)));
        }
    };
    by_sink("callsink_sink_written_total", "counter",
            "Records a sink took (for a best-effort sink: into its buffer), by sink.",
            [](Sink const& sink) { return sink.written.load(kRelaxed); });
    by_sink(
        "callsink_sink_in_flight", "gauge",
        "Records handed to a sink whose outcome is not known yet (being written, in a "
        "best-effort sink's buffer, waiting for a broker), by sink.",
        [](Sink const& sink) { return sink.readings.in_flight ? sink.readings.in_flight() : 0; });
    by_sink("callsink_sink_errors_total", "counter", "Failed writes (a whole batch each), by sink.",
            [](Sink const& sink) { return sink.errors.load(kRelaxed); });
    by_sink("callsink_sink_dropped_total", "counter",
            "Records a best-effort sink could not keep up with, by sink.",
            [](Sink const& sink) { return sink.dropped.load(kRelaxed); });
    // With durability "fsync", records over syncs is the group commit's batch size.
    by_sink("callsink_sink_syncs_total", "counter",
            "Successful syncs (fdatasync) of a sink's writes, one per batch with durability "
            "\"fsync\", by sink.",
            [](Sink const& sink) { return sink.syncs.load(kRelaxed); });
    text.family("callsink_sink_up", "gauge",
                "1 while a sink accepts writes, 0 while it fails or knows itself unreachable, by "
                "sink; required: whether replies wait for it.");
    for (Sink const& sink : sinks_) {
        bool const up = !sink.readings.up || sink.readings.up();
        text.sample("callsink_sink_up",
                    "sink=\"" + label(sink.name) + "\",required=\"" +
                        (sink.readings.required ? "true" : "false") + "\"",
                    up ? "1" : "0");
    }
    // Read at each render, for the sinks that append to a file: no other exporter needed to
    // see a disk filling up. A folder that cannot be read shows no sample.
    std::vector<std::pair<Sink const*, FilesystemSpace>> spaces;
    for (Sink const& sink : sinks_) {
        if (!sink.directory.empty()) {
            if (auto const space = read_filesystem_space(sink.directory)) {
                spaces.emplace_back(&sink, *space);
            }
        }
    }
    text.family("callsink_sink_filesystem_avail_bytes", "gauge",
                "Bytes free to callsink on the filesystem of a sink's file, by sink.");
    for (auto const& [sink, space] : spaces) {
        text.sample("callsink_sink_filesystem_avail_bytes", "sink=\"" + label(sink->name) + "\"",
                    number(space.avail_bytes));
    }
    text.family("callsink_sink_filesystem_size_bytes", "gauge",
                "Size of the filesystem of a sink's file, by sink.");
    for (auto const& [sink, space] : spaces) {
        text.sample("callsink_sink_filesystem_size_bytes", "sink=\"" + label(sink->name) + "\"",
                    number(space.size_bytes));
    }
    for (Gauge const& gauge : gauges_) {
        text.family(gauge.name, "gauge", gauge.help);
        text.sample(gauge.name, "", number(gauge.read()));
    }

    ProcessStats const process = read_process_stats();
    text.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    text.sample("process_resident_memory_bytes", "", number(process.resident_bytes));
    text.family("process_cpu_seconds_total", "counter", "User and system CPU time in seconds.");
    text.sample("process_cpu_seconds_total", "", number(process.cpu_seconds));
    text.family("process_open_fds", "gauge", "Open file descriptors.");
    text.sample("process_open_fds", "", number(process.open_fds));
    text.family("process_start_time_seconds", "gauge", "Start time since the Unix epoch.");
    text.sample("process_start_time_seconds", "",
                number(std::chrono::duration<double>(started_.time_since_epoch()).count()));
    return text.take();
}

}  // namespace callsink
