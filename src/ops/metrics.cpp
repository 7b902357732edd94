#include "callsink/ops/metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
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

constexpr bool families_in_counter_order() {
    for (std::size_t i = 0; i < kCounterFamilies.size(); ++i) {
        if (static_cast<std::size_t>(kCounterFamilies[i].counter) != i) {
            return false;
        }
    }
    return true;
}
static_assert(families_in_counter_order(), "kCounterFamilies must list the Counters in order");

std::string_view label_name(LabelSet labels) {
    switch (labels) {
        case LabelSet::none:
            return "";
        case LabelSet::event_type:
            return "event_type";
        case LabelSet::reject_code:
        case LabelSet::status:
            return "code";
        case LabelSet::refusal:
            return "reason";
        case LabelSet::sink:
        case LabelSet::forwarded:
        case LabelSet::dead_letter:
            return "sink";
    }
    return "";
}

}  // namespace

Metrics::Metrics(std::span<std::string_view const> event_types,
                 std::span<std::string_view const> reject_codes)
    : started_(std::chrono::system_clock::now()),
      event_types_(event_types.begin(), event_types.end()),
      reject_codes_(reject_codes.begin(), reject_codes.end()) {
    for (CounterFamily const& family : kCounterFamilies) {
        counters_[static_cast<std::size_t>(family.counter)].resize(
            label_values(family.labels).size());
    }
}

std::vector<std::string> Metrics::label_values(LabelSet labels) const {
    switch (labels) {
        case LabelSet::none:
            return {""};
        case LabelSet::event_type:
            return event_types_;
        case LabelSet::reject_code:
            return reject_codes_;
        case LabelSet::refusal:
            return {kRefusalNames.begin(), kRefusalNames.end()};
        case LabelSet::status: {
            std::vector<std::string> codes;
            for (unsigned status : kStatuses) {
                codes.push_back(status == 0 ? "other" : std::to_string(status));
            }
            return codes;
        }
        case LabelSet::sink: {
            std::vector<std::string> names;
            for (Sink const& sink : sinks_) {
                names.push_back(sink.name);
            }
            return names;
        }
        case LabelSet::forwarded:
            return forwarded_sinks_;
        case LabelSet::dead_letter:
            return dead_letter_sinks_;
    }
    return {};
}

std::size_t Metrics::add_sink(std::string name, SinkReadings readings) {
    Sink& sink = sinks_.emplace_back();
    sink.name = std::move(name);
    if (!readings.file.empty()) {
        // The folder, not the file: it is there while logrotate has moved the file away.
        std::filesystem::path const folder = std::filesystem::path(readings.file).parent_path();
        sink.directory = folder.empty() ? "." : folder.string();
    }
    sink.readings = std::move(readings);
    for (CounterFamily const& family : kCounterFamilies) {
        if (family.labels == LabelSet::sink) {
            counters_[static_cast<std::size_t>(family.counter)].emplace_back(0);
        }
    }
    return sinks_.size() - 1;
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
    gauges_.push_back(Gauge{std::move(name), std::move(help), {}, std::move(read)});
}

void Metrics::add_gauge(std::string name, std::string help,
                        std::vector<std::pair<std::string, std::string>> labels,
                        std::function<double()> read) {
    std::string rendered;
    for (auto const& [key, value] : labels) {
        rendered += (rendered.empty() ? "" : ",") + key + "=\"" + label(value) + "\"";
    }
    gauges_.push_back(
        Gauge{std::move(name), std::move(help), std::move(rendered), std::move(read)});
}

std::size_t Metrics::add_label(LabelSet labels, std::vector<std::string>& values,
                               std::string name) {
    values.push_back(std::move(name));
    for (CounterFamily const& family : kCounterFamilies) {
        if (family.labels == labels) {
            counters_[static_cast<std::size_t>(family.counter)].emplace_back(0);
        }
    }
    return values.size() - 1;
}

std::size_t Metrics::add_forwarded_sink(std::string name) {
    return add_label(LabelSet::forwarded, forwarded_sinks_, std::move(name));
}

std::size_t Metrics::add_dead_letter_sink(std::string name) {
    return add_label(LabelSet::dead_letter, dead_letter_sinks_, std::move(name));
}

void Metrics::add(Counter counter, std::size_t label, std::uint64_t n) {
    auto& slots = counters_[static_cast<std::size_t>(counter)];
    if (label < slots.size()) {
        slots[label].fetch_add(n, kRelaxed);
    }
}

std::uint64_t Metrics::value(Counter counter, std::size_t label) const {
    auto const& slots = counters_[static_cast<std::size_t>(counter)];
    return label < slots.size() ? slots[label].load(kRelaxed) : 0;
}

std::size_t Metrics::status_label(unsigned status) {
    for (std::size_t i = 0; i + 1 < kStatuses.size(); ++i) {
        if (kStatuses[i] == status) {
            return i;
        }
    }
    return kStatuses.size() - 1;
}

void Metrics::observe_request(unsigned status, std::chrono::steady_clock::duration duration) {
    add(Counter::requests, status_label(status));
    double const seconds = std::chrono::duration<double>(duration).count();
    std::size_t bucket = 0;
    while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) {
        ++bucket;
    }
    duration_buckets_[bucket].fetch_add(1, kRelaxed);
    auto const ns = std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
    duration_sum_ns_.fetch_add(static_cast<std::uint64_t>(ns > 0 ? ns : 0), kRelaxed);
}

std::string Metrics::render() const {
    Text text;
    text.family("callsink_build_info", "gauge", "The running callsink's version; always 1.");
    text.sample("callsink_build_info", "version=\"" CALLSINK_VERSION "\"", "1");

    for (CounterFamily const& family : kCounterFamilies) {
        text.family(family.name, "counter", family.help);
        std::vector<std::string> const values = label_values(family.labels);
        for (std::size_t i = 0; i < values.size(); ++i) {
            std::string const labels =
                family.labels == LabelSet::none
                    ? std::string()
                    : std::string(label_name(family.labels)) + "=\"" + label(values[i]) + "\"";
            text.sample(family.name, labels, std::to_string(value(family.counter, i)));
        }
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

    text.family("callsink_sink_in_flight", "gauge",
                "Records handed to a sink whose outcome is not known yet (being written, in a "
                "best-effort sink's buffer, waiting for a broker), by sink.");
    for (Sink const& sink : sinks_) {
        std::uint64_t const in_flight = sink.readings.in_flight ? sink.readings.in_flight() : 0;
        text.sample("callsink_sink_in_flight", "sink=\"" + label(sink.name) + "\"",
                    std::to_string(in_flight));
    }
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
    // Gauges of one name render as one family, in the order their names were first added.
    std::vector<std::string_view> named;
    for (Gauge const& gauge : gauges_) {
        if (std::find(named.begin(), named.end(), gauge.name) != named.end()) {
            continue;
        }
        named.push_back(gauge.name);
        text.family(gauge.name, "gauge", gauge.help);
        for (Gauge const& each : gauges_) {
            if (each.name == gauge.name) {
                text.sample(each.name, each.labels, number(each.read()));
            }
        }
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
