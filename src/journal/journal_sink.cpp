#include "callsink/journal/journal_sink.hpp"

#include "callsink/journal/journal_errors.hpp"

namespace callsink {

JournalSink::JournalSink(std::shared_ptr<Journal> journal, bool publish_after_sync)
    : journal_(std::move(journal)),
      publish_after_sync_(publish_after_sync),
      name_("journal " + journal_->folder().string()) {}

boost::system::error_code JournalSink::write(std::span<Record const> batch) {
    auto const ec = journal_->append(batch);
    if (!ec && !publish_after_sync_) {
        journal_->publish();
    }
    return ec;
}

bool JournalSink::writes_without_waiting(std::size_t /*bytes*/) const {
    // A full journal refuses without waiting too; only a new segment waits (on the folder's
    // sync). The answer changes only by this sink's own appends (pipeline.hpp, invariant 3):
    // forwarders moving on only make room.
    return !journal_->due_to_rotate();
}

boost::system::error_code JournalSink::sync() {
    auto const ec = journal_->sync();
    if (!ec) {
        journal_->publish();
    }
    return ec;
}

boost::system::error_code JournalSink::reopen() {
    return journal_->has_room() ? boost::system::error_code{} : JournalErrc::full;
}

void JournalSink::close() {
    journal_->close();
}

std::string JournalSink::file_path() const {
    // A file in the folder: /metrics reads the space left on the folder's filesystem.
    return (journal_->folder() / "segment").string();
}

}  // namespace callsink
