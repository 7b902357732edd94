#include "callsink/app/replay_sources.hpp"

#include <utility>

#include "callsink/app/file_sink_reader.hpp"
#include "callsink/base/rfc3339.hpp"
#include "callsink/ingest/ingest.hpp"
#include "callsink/journal/journal_folder_reader.hpp"
#include "callsink/records/stored_event.hpp"
#include "callsink/records/stored_rejection.hpp"
#include "callsink/sinks/dead_letter_file.hpp"

namespace callsink {

namespace {

std::string reason_of(Rejection const& rejection) {
    std::string reason(to_string(rejection.code));
    if (!rejection.field.empty()) {
        reason += " at " + rejection.field;
    }
    return reason;
}

// "path" or "path, path.1 and path.2" (oldest last, as the files are named).
std::string files_read(std::filesystem::path const& path,
                       std::vector<std::filesystem::path> const& files) {
    if (files.empty()) {
        return path.string() + " (no such file)";
    }
    std::string text;
    for (auto it = files.rbegin(); it != files.rend(); ++it) {
        text += (text.empty() ? "" : it + 1 == files.rend() ? " and " : ", ") + it->string();
    }
    return text;
}

// Hands on the record a stored line holds, if it falls in the range.
bool take_stored(std::string_view line, TimeRange const& range, RecordHandler const& handle,
                 SourceRead& read) {
    std::optional<StoredEvent> stored = read_stored_event(line);
    if (!stored) {
        ++read.unreadable;
        return true;
    }
    if (!range.contains(stored->received_at_ms)) {
        ++read.outside;
        return true;
    }
    ++read.handed;
    return handle(std::move(stored->record));
}

}  // namespace

SourceRead journal_records(std::filesystem::path const& folder, TimeRange const& range,
                           RecordHandler const& handle) {
    SourceRead read;
    JournalFolderRead const journal = read_journal_folder(folder, [&](JournalEntry&& entry) {
        if (range.bounded()) {
            std::optional<std::int64_t> const at = received_at_ms(entry.record.line);
            if (!at || !range.contains(*at)) {
                ++read.outside;
                return true;
            }
        }
        ++read.handed;
        return handle(std::move(entry.record));
    });
    read.unreadable = journal.damaged;
    read.description =
        "journal " + folder.string() + " (" + std::to_string(journal.segments) + " segment(s)";
    if (journal.segments_gone > 0) {
        read.description +=
            ", " + std::to_string(journal.segments_gone) + " deleted by the daemon while this read";
    }
    read.description += ")";
    return read;
}

SourceRead file_sink_records(std::filesystem::path const& path, TimeRange const& range,
                             RecordHandler const& handle) {
    SourceRead read;
    auto const files = each_file_sink_line(path, [&](std::string_view line, auto const&) {
        return take_stored(line, range, handle, read);
    });
    read.description = "file sink " + files_read(path, files);
    return read;
}

DeadLettersRead dead_letter_records(std::filesystem::path const& path, std::size_t sink,
                                    TimeRange const& range, RecordHandler const& handle) {
    DeadLettersRead read;
    auto const files = each_file_sink_line(path, [&](std::string_view line, auto const&) {
        std::optional<ReadDeadLetter> const letter = parse_dead_letter_line(line);
        if (!letter) {
            ++read.unreadable;
            return true;
        }
        if (letter->letter.sink_index != sink) {
            ++read.other_sinks;
            return true;
        }
        return take_stored(letter->record_line, range, handle, read);
    });
    read.description = "dead-letter file " + files_read(path, files);
    return read;
}

RejectsRead rejected_records(std::filesystem::path const& path, MsisdnPrivacy const& privacy,
                             TimeRange const& range, RecordHandler const& handle) {
    RejectsRead read;
    auto const files = each_file_sink_line(path, [&](std::string_view line, auto const&) {
        std::optional<StoredRejection> const rejected = read_stored_rejection(line);
        if (!rejected) {
            ++read.unreadable;
            return true;
        }
        if (range.bounded()) {
            std::optional<std::int64_t> const at = rfc3339::to_unix_ms(rejected->received.at);
            if (!at || !range.contains(*at)) {
                ++read.outside;
                return true;
            }
        }
        Ingested ingested = ingest_delivery(rejected->body, rejected->received, privacy);
        if (ingested.rejection) {
            StillRejected& still = read.still_rejected[reason_of(*ingested.rejection)];
            if (still.count++ == 0) {
                still.example = ingested.rejection->message;
            }
            return true;
        }
        ++read.handed;
        return handle(std::move(ingested.record));
    });
    read.description = "rejects file " + files_read(path, files);
    return read;
}

}  // namespace callsink
