#include "callsink/app/replay_sender.hpp"

#include <condition_variable>
#include <mutex>
#include <utility>

#include "callsink/base/backoff.hpp"

namespace callsink {

namespace {

long long whole_seconds(std::chrono::milliseconds duration) {
    return std::chrono::duration_cast<std::chrono::seconds>(duration).count();
}

}  // namespace

ReplaySender::ReplaySender(Sink& sink, ReplaySenderOptions options, std::ostream& progress,
                           WaitClock& clock, StoredLookup lookup)
    : sink_(sink),
      options_(options),
      progress_(progress),
      clock_(clock),
      lookup_(std::move(lookup)),
      next_progress_(clock.now() + options.progress_every) {}

bool ReplaySender::add(Record record) {
    if (gave_up_) {
        ++counts_.failed;
        return false;
    }
    batch_bytes_ += record.line.size();
    batch_.push_back(std::move(record));
    if (batch_.size() < options_.batch_records && batch_bytes_ < options_.batch_bytes) {
        return true;
    }
    return send();
}

bool ReplaySender::finish() {
    if (gave_up_) {
        return false;
    }
    return batch_.empty() || send();
}

boost::system::error_code ReplaySender::try_send() {
    if (lookup_) {
        stored_.assign(batch_.size(), false);
        if (auto ec = lookup_(batch_, stored_)) {
            return ec;
        }
        // What the sink holds stays held whatever happens to the rest: counted once, not resent.
        std::size_t kept = 0;
        for (std::size_t i = 0; i < batch_.size(); ++i) {
            if (stored_[i]) {
                ++counts_.duplicates;
            } else if (kept++ != i) {
                batch_[kept - 1] = std::move(batch_[i]);
            }
        }
        batch_.resize(kept);
    }
    if (batch_.empty()) {
        return {};
    }
    auto ec = sink_.write(batch_);
    std::span<RefusedRecord const> const refused =
        ec ? sink_.refused() : std::span<RefusedRecord const>{};
    if (!refused.empty()) {
        // The sink stored the rest: sending these again cannot store them, and would hold up
        // every record behind them.
        counts_.refused += refused.size();
        counts_.failed += refused.size();
        if (first_refusal_.empty()) {
            first_refusal_ = refused.front().error;
        }
        refused_in_batch_ = refused.size();
        ec = {};
    }
    return ec ? ec : sink_.sync();
}

bool ReplaySender::send() {
    Backoff backoff(options_.first_retry, options_.max_retry);
    auto const first_try = clock_.now();
    bool failing = false;
    for (;;) {
        refused_in_batch_ = 0;
        auto const ec = try_send();
        if (!ec) {
            if (failing) {
                progress_ << "callsink replay: " << sink_.name() << " takes records again\n";
            }
            counts_.sent += batch_.size() - refused_in_batch_;
            batch_.clear();
            batch_bytes_ = 0;
            report_progress();
            return true;
        }
        auto const wait = backoff.next();
        if (clock_.now() + wait - first_try > options_.retry_for) {
            failure_ = sink_.name() + ": " + ec.message();
            counts_.failed += batch_.size();
            batch_.clear();
            gave_up_ = true;
            return false;
        }
        if (!failing) {
            failing = true;
            progress_ << "callsink replay: " << sink_.name() << " failed: " << ec.message()
                      << "; trying again for up to " << whole_seconds(options_.retry_for) << " s\n";
        }
        this->wait(wait);
    }
}

void ReplaySender::wait(std::chrono::milliseconds how_long) {
    std::mutex mutex;
    std::condition_variable wake;  // nothing notifies it: the clock's deadline ends the wait
    std::unique_lock lock(mutex);
    auto const until = clock_.now() + how_long;
    while (clock_.now() < until) {
        clock_.wait_until(wake, lock, until);
    }
}

void ReplaySender::report_progress() {
    auto const now = clock_.now();
    if (now < next_progress_) {
        return;
    }
    next_progress_ = now + options_.progress_every;
    progress_ << "callsink replay: " << counts_.sent << " sent, " << counts_.duplicates
              << " already stored, " << counts_.failed << " failed so far\n";
    progress_.flush();
}

}  // namespace callsink
