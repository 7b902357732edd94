// A sink for tests, like spdlog's test_sink: remembers what it was given, can be told to fail
// with a chosen error or to refuse some records for good, and can hold the writer thread until
// released (to fill the queue).
// Thread-safe: the pipeline's writer calls it while the test thread inspects it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "callsink/sinks/sink.hpp"

namespace callsink::testing {

class FakeSink final : public Sink {
  public:
    explicit FakeSink(std::string name = "fake") : name_(std::move(name)) {}

    std::string const& name() const override { return name_; }

    boost::system::error_code write(std::span<Record const> batch) override {
        std::unique_lock lock(mutex_);
        ++writing_;
        if (held_) {
            ++waiting_in_hold_;
            changed_.notify_all();
            changed_.wait(lock, [this] { return !held_; });
            --waiting_in_hold_;
        }
        --writing_;
        ++write_calls_;
        changed_.notify_all();
        write_threads_.push_back(std::this_thread::get_id());
        if (fail_with_) {
            return fail_with_;
        }
        refused_.clear();
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (!refuse_text_.empty() && batch[i].line.find(refuse_text_) != std::string::npos) {
                refused_.push_back({i, refuse_error_});
            } else {
                lines_.push_back(batch[i].line);
            }
        }
        batch_sizes_.push_back(batch.size());
        return refused_.empty()
                   ? boost::system::error_code{}
                   : boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
    }

    // From now on, a record whose line holds `text` is refused for good (Sink::refused) with
    // `error`, and the batch's others are stored.
    void refuse_for_good(std::string text, std::string error) {
        std::lock_guard lock(mutex_);
        refuse_text_ = std::move(text);
        refuse_error_ = std::move(error);
    }

    // The caller reads it right after its write(), on the same thread.
    std::span<RefusedRecord const> refused() const override { return refused_; }

    // Until write() has been called `calls` times, for at most five seconds; false if not.
    bool wait_for_write_calls(int calls) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, std::chrono::seconds(5),
                                 [this, calls] { return write_calls_ >= calls; });
    }

    bool writes_without_waiting(std::size_t) const override {
        std::lock_guard lock(mutex_);
        if (writing_ > 0) {
            ++asked_while_writing_;
        }
        return without_waiting_;
    }
    // How often writes_without_waiting() was asked while a write() was under way: the pipeline
    // asks only while no thread is in a sink.
    int asked_while_writing() const {
        std::lock_guard lock(mutex_);
        return asked_while_writing_;
    }
    void set_writes_without_waiting(bool without_waiting) {
        std::lock_guard lock(mutex_);
        without_waiting_ = without_waiting;
    }

    boost::system::error_code sync() override {
        std::lock_guard lock(mutex_);
        ++sync_calls_;
        return {};
    }

    boost::system::error_code reopen() override {
        std::lock_guard lock(mutex_);
        ++reopen_calls_;
        return {};
    }

    void close() override {
        std::lock_guard lock(mutex_);
        closed_ = true;
    }

    // try_recover() succeeds, and clears the failure, only when this was set.
    bool try_recover() override {
        std::lock_guard lock(mutex_);
        if (!recoverable_) {
            return false;
        }
        fail_with_ = {};
        return true;
    }

    void set_recoverable(bool recoverable) {
        std::lock_guard lock(mutex_);
        recoverable_ = recoverable;
    }

    void fail_with(boost::system::error_code ec) {
        std::lock_guard lock(mutex_);
        fail_with_ = ec;
    }

    void hold() {
        std::lock_guard lock(mutex_);
        held_ = true;
    }

    // Until a write() waits in hold(), for at most five seconds; false if none came.
    bool wait_until_held() {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, std::chrono::seconds(5),
                                 [this] { return waiting_in_hold_ > 0; });
    }

    // check() fails with `ec` (the idle check finds an outage) until told otherwise.
    void fail_checks_with(boost::system::error_code ec) {
        std::lock_guard lock(mutex_);
        check_error_ = ec;
    }

    boost::system::error_code check() override {
        std::lock_guard lock(mutex_);
        ++check_calls_;
        return check_error_;
    }

    void release() {
        {
            std::lock_guard lock(mutex_);
            held_ = false;
        }
        changed_.notify_all();
    }

    std::vector<std::string> lines() const {
        std::lock_guard lock(mutex_);
        return lines_;
    }
    std::vector<std::size_t> batch_sizes() const {
        std::lock_guard lock(mutex_);
        return batch_sizes_;
    }
    // The thread of each write() call, in order.
    std::vector<std::thread::id> write_threads() const {
        std::lock_guard lock(mutex_);
        return write_threads_;
    }
    int write_calls() const {
        std::lock_guard lock(mutex_);
        return write_calls_;
    }
    int sync_calls() const {
        std::lock_guard lock(mutex_);
        return sync_calls_;
    }
    int reopen_calls() const {
        std::lock_guard lock(mutex_);
        return reopen_calls_;
    }
    int check_calls() const {
        std::lock_guard lock(mutex_);
        return check_calls_;
    }
    bool closed() const {
        std::lock_guard lock(mutex_);
        return closed_;
    }

  private:
    std::string name_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool held_ = false;
    int writing_ = 0;          // write() calls under way
    int waiting_in_hold_ = 0;  // of those, waiting for release()
    mutable int asked_while_writing_ = 0;
    boost::system::error_code fail_with_;
    std::string refuse_text_;
    std::string refuse_error_;
    std::vector<RefusedRecord> refused_;
    boost::system::error_code check_error_;
    int check_calls_ = 0;
    std::vector<std::string> lines_;
    std::vector<std::size_t> batch_sizes_;
    std::vector<std::thread::id> write_threads_;
    bool without_waiting_ = false;
    int write_calls_ = 0;
    int sync_calls_ = 0;
    int reopen_calls_ = 0;
    bool closed_ = false;
    bool recoverable_ = false;
};

}  // namespace callsink::testing
