// The journal as the pipeline sees it: a required sink (sinks/sink.hpp) whose write() appends the
// batch (Journal::append) and whose sync() makes it durable, so a delivery's 200 waits for the
// journal exactly as it would for a file, with the same group commit, while the sinks forwarded
// from it (forwarder.hpp) never hold a reply up. What it appends is published to the forwarders
// once it is as durable as the reply promises: after write() with durability "none" or "write",
// after sync() with "fsync".
//
// A full journal fails a write with JournalErrc::full (the delivery gets 503, counted as
// journal_full), is not reachable() while it has no room, and recovers by itself once a forwarder
// catches up. It writes without waiting, as a file does, unless its segment is due to rotate.
//
// Threading: as every Sink, called by one thread at a time (the pipeline's writer role);
// reachable() from any.
#pragma once

#include <memory>
#include <string>

#include "callsink/journal/journal.hpp"
#include "callsink/sinks/sink.hpp"

namespace callsink {

class JournalSink final : public Sink {
  public:
    // `publish_after_sync`: durability "fsync", where the pipeline syncs each batch.
    JournalSink(std::shared_ptr<Journal> journal, bool publish_after_sync);

    std::string const& name() const override { return name_; }
    boost::system::error_code write(std::span<Record const> batch) override;
    bool writes_without_waiting(std::size_t bytes) const override;
    boost::system::error_code sync() override;
    // logrotate leaves the journal alone; a full one is not taken for recovered.
    boost::system::error_code reopen() override;
    void close() override;
    bool try_recover() override { return journal_->has_room(); }
    bool reachable() const override { return journal_->has_room(); }
    std::string file_path() const override;

  private:
    std::shared_ptr<Journal> journal_;
    bool publish_after_sync_;
    std::string name_;
};

}  // namespace callsink
