#include "callsink/app/replay_command.hpp"

#include <exception>
#include <memory>
#include <string_view>
#include <vector>

#include "callsink/app/replay_sender.hpp"
#include "callsink/app/replay_sources.hpp"
#include "callsink/base/rfc3339.hpp"
#include "callsink/sinks/file/file_sink.hpp"
#if CALLSINK_WITH_KAFKA
#include "callsink/sinks/kafka/kafka_settings.hpp"
#endif
#if CALLSINK_WITH_POSTGRES
#include "callsink/app/postgres_reader.hpp"
#endif

namespace callsink {
namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

// A problem with the flags or the configuration: the message, and status 2.
struct UsageError {
    std::string message;
};

std::optional<std::int64_t> time_flag(std::string const& text, char const* flag) {
    if (text.empty()) {
        return std::nullopt;
    }
    std::optional<std::int64_t> const ms = rfc3339::to_unix_ms(text);
    if (!ms) {
        throw UsageError{std::string(flag) + " " + text +
                         ": not an RFC 3339 time; give one such as 2026-12-07T09:30:00Z"};
    }
    return ms;
}

TimeRange time_range(ReplayRequest const& request) {
    TimeRange range{time_flag(request.from, "--from"), time_flag(request.to, "--to")};
    if (range.from_ms && range.to_ms && *range.from_ms >= *range.to_ms) {
        throw UsageError{"--from " + request.from + " is not before --to " + request.to +
                         ": no record could be received between them"};
    }
    return range;
}

// One sink replay sends to, with the sender that feeds it.
struct Target {
    std::size_t index = 0;
    std::string name;  // "sinks[1] (postgres 127.0.0.1:5432/callsink)"
    std::unique_ptr<Sink> sink;
#if CALLSINK_WITH_POSTGRES
    std::unique_ptr<PostgresStoredKeys> stored_keys;
#endif
    std::unique_ptr<ReplaySender> sender;
    // What the summary says of copies, where the sink cannot tell what it has.
    std::string copies;
};

std::string copies_note(SinkConfig const& sink) {
#if CALLSINK_WITH_KAFKA
    if (kafka_sink_options(*sink.settings)) {
        return "copies are not counted here: Kafka cannot tell, and consumers drop them by "
               "their redeliveryKey header";
    }
#else
    (void)sink;
#endif
    return "copies are not counted here, and this sink keeps them";
}

// Opens sinks[index] as the daemon does. Throws std::runtime_error naming it when it cannot.
Target open_target(Config const& config, std::size_t index, ReplayRequest const& request,
                   SinkContext const& context, std::ostream& progress) {
    SinkConfig const& sink = config.sinks[index];
    Target target;
    target.index = index;
    try {
        target.sink = sink.settings->open(context);
    } catch (std::exception const& e) {
        throw std::runtime_error("cannot open sinks[" + std::to_string(index) + "]: " + e.what());
    }
    target.name = "sinks[" + std::to_string(index) + "] (" + target.sink->name() + ")";
    StoredLookup lookup;
#if CALLSINK_WITH_POSTGRES
    if (PostgresSinkOptions const* options = postgres_sink_options(*sink.settings)) {
        target.stored_keys = std::make_unique<PostgresStoredKeys>(*options);
        lookup = [keys = target.stored_keys.get()](std::span<Record const> batch,
                                                   std::vector<bool>& stored) {
            return keys->find(batch, stored);
        };
    }
#endif
    if (!lookup) {
        target.copies = copies_note(sink);
    }
    ReplaySenderOptions options;
    options.retry_for = request.retry_for;
    target.sender = std::make_unique<ReplaySender>(*target.sink, options, progress,
                                                   WaitClock::steady(), std::move(lookup));
    return target;
}

// Where --sink N reads: the journal, or else the first file sink that is not sinks[N].
std::function<SourceRead(TimeRange const&, RecordHandler const&)> stored_source(
    Config const& config, std::size_t target) {
    if (config.journal) {
        return
            [folder = config.journal->path](TimeRange const& range, RecordHandler const& handle) {
                return journal_records(folder, range, handle);
            };
    }
    for (std::size_t i = 0; i < config.sinks.size(); ++i) {
        FileSinkOptions const* file = file_sink_options(*config.sinks[i].settings);
        if (file && i != target) {
            return [path = file->path](TimeRange const& range, RecordHandler const& handle) {
                return file_sink_records(path, range, handle);
            };
        }
    }
    throw UsageError{"nothing to replay sinks[" + std::to_string(target) +
                     "] from: the configuration has no [journal] and no other file sink; "
                     "replay reads the journal, or else a file sink's files"};
}

void print_read(SourceRead const& read, TimeRange const& range, std::string const& handed,
                std::ostream& out) {
    out << "callsink replay: read " << read.description << ": " << read.handed << " " << handed;
    if (range.bounded()) {
        out << ", " << read.outside << " received outside --from/--to";
    }
    if (read.unreadable > 0) {
        out << ", " << read.unreadable << " unreadable (damaged or not a record), passed over";
    }
    out << "\n";
}

// The summary of each target; true when every record was sent.
bool print_targets(std::vector<Target> const& targets, std::chrono::seconds retry_for,
                   std::ostream& out) {
    bool all_sent = true;
    for (Target const& target : targets) {
        ReplayCounts const& counts = target.sender->counts();
        out << "callsink replay: " << target.name << ": " << counts.sent << " sent, ";
        if (target.copies.empty()) {
            out << counts.duplicates << " already stored (skipped), ";
        }
        out << counts.failed << " failed";
        if (counts.refused > 0) {
            out << ", of which " << counts.refused
                << " refused for good (the first: " << target.sender->first_refusal() << ")";
        }
        if (!target.copies.empty()) {
            out << " (" << target.copies << ")";
        }
        out << "\n";
        if (counts.refused > 0) {
            all_sent = false;
            out << "callsink: " << target.name << " refused " << counts.refused
                << " record(s) for good: sending them again cannot store them. The sink's log "
                   "lines above name them by key; fix the cause, then run the same command "
                   "again\n";
        }
        if (target.sender->gave_up()) {
            all_sent = false;
            out << "callsink: replay to " << target.name << " gave up after " << retry_for.count()
                << " s of failures: " << target.sender->failure() << "; " << counts.failed
                << " record(s) were not sent. Make the sink reachable (the lines above say why "
                   "it failed), then run the same command again: sending again is idempotent "
                   "where the sink deduplicates\n";
        }
    }
    out.flush();
    return all_sent;
}

// Sends every record `read` hands over to every target, then closes them. It reads to the end
// even once a sender gave up, so that the sender's count of failed records is the count of every
// record it did not send.
template <typename Read>
auto send_to_all(std::vector<Target>& targets, Read const& read) {
    auto result = read([&](Record&& record) {
        for (std::size_t i = 0; i + 1 < targets.size(); ++i) {
            targets[i].sender->add(record);
        }
        targets.back().sender->add(std::move(record));
        return true;
    });
    for (Target& target : targets) {
        target.sender->finish();
        target.sink->close();
    }
    return result;
}

int replay_stored(Config const& config, ReplayRequest const& request, TimeRange const& range,
                  SinkContext const& context, std::ostream& out) {
    std::size_t const index = *request.sink;
    auto const source = stored_source(config, index);
    std::vector<Target> targets;
    targets.push_back(open_target(config, index, request, context, out));
    SourceRead const read =
        send_to_all(targets, [&](RecordHandler const& handle) { return source(range, handle); });
    print_read(read, range, "record(s) to send", out);
    return print_targets(targets, request.retry_for, out) ? 0 : kExitFailed;
}

int replay_dead_letters(Config const& config, ReplayRequest const& request, TimeRange const& range,
                        SinkContext const& context, std::ostream& out) {
    std::size_t const index = *request.sink;
    std::vector<Target> targets;
    targets.push_back(open_target(config, index, request, context, out));
    DeadLettersRead const read = send_to_all(targets, [&](RecordHandler const& handle) {
        return dead_letter_records(config.dead_letter.path, index, range, handle);
    });
    print_read(read, range, "dead letter(s) of sinks[" + std::to_string(index) + "] to send", out);
    out << "callsink replay: " << read.other_sinks
        << " dead letter(s) of other sinks left alone; the file is not rewritten (sending again "
           "is idempotent where the sink deduplicates)\n";
    return print_targets(targets, request.retry_for, out) ? 0 : kExitFailed;
}

int replay_rejects(Config const& config, ReplayRequest const& request, TimeRange const& range,
                   SinkContext const& context, std::ostream& out) {
    FileSinkOptions const* rejects = file_sink_options(*config.rejects.settings);
    std::vector<Target> targets;
    for (std::size_t i = 0; i < config.sinks.size(); ++i) {
        targets.push_back(open_target(config, i, request, context, out));
    }
    MsisdnPrivacy const privacy(config.privacy.msisdn, config.privacy.key.value_or(""));
    RejectsRead const read = send_to_all(targets, [&](RecordHandler const& handle) {
        return rejected_records(rejects->path, privacy, range, handle);
    });
    print_read(read, range, "body(ies) that now parse, to store", out);
    std::uint64_t still = 0;
    for (auto const& [reason, rejected] : read.still_rejected) {
        still += rejected.count;
    }
    out << "callsink replay: " << still << " body(ies) still rejected, left in the rejects file"
        << (still > 0 ? ", by reason:" : "") << "\n";
    for (auto const& [reason, rejected] : read.still_rejected) {
        out << "  " << rejected.count << " " << reason << " (e.g. " << rejected.example << ")\n";
    }
    return print_targets(targets, request.retry_for, out) ? 0 : kExitFailed;
}

}  // namespace

int run_replay_command(Config const& config, ReplayRequest const& request,
                       std::shared_ptr<spdlog::logger> const& logger, std::ostream& out) {
    try {
        TimeRange const range = time_range(request);
        if (request.sink && *request.sink >= config.sinks.size()) {
            throw UsageError{"--sink " + std::to_string(*request.sink) +
                             ": the configuration has " + std::to_string(config.sinks.size()) +
                             " sink(s), sinks[0] to sinks[" +
                             std::to_string(config.sinks.size() - 1) + "]"};
        }
        SinkContext const context{logger};
        switch (request.form) {
            case ReplayRequest::Form::rejects:
                return replay_rejects(config, request, range, context, out);
            case ReplayRequest::Form::dead_letter:
                return replay_dead_letters(config, request, range, context, out);
            case ReplayRequest::Form::stored:
                break;
        }
        return replay_stored(config, request, range, context, out);
    } catch (UsageError const& e) {
        out << "callsink: " << e.message << "\n";
        return kExitUsage;
    } catch (std::exception const& e) {
        out << "callsink: replay: " << e.what() << "\n";
        return kExitFailed;
    }
}

}  // namespace callsink
