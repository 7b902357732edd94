#include "callsink/http/io_threads.hpp"

#include <exception>
#include <thread>

namespace callsink {

namespace net = boost::asio;

IoThreads::IoThreads(unsigned count) {
    for (unsigned i = 0; i < std::max(1u, count); ++i) {
        // One thread runs each: the hint lets Asio skip waking other threads.
        contexts_.push_back(std::make_unique<net::io_context>(1));
        guards_.emplace_back(contexts_.back()->get_executor());
    }
}

IoThreads::~IoThreads() {
    guards_.clear();
    for (auto& context : contexts_) {
        context.reset();
    }
}

std::vector<net::io_context*> IoThreads::contexts() const {
    std::vector<net::io_context*> all;
    for (auto const& context : contexts_) {
        all.push_back(context.get());
    }
    return all;
}

void IoThreads::run(spdlog::logger& logger) {
    auto const run_one = [this, &logger](net::io_context& context) {
        try {
            context.run();
        } catch (std::exception const& e) {
            logger.critical("io thread failed: {}; stopping", e.what());
            for (auto const& each : contexts_) {
                each->stop();
            }
        }
    };
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < contexts_.size(); ++i) {
        threads.emplace_back([&run_one, context = contexts_[i].get()] { run_one(*context); });
    }
    run_one(main());
    for (std::thread& thread : threads) {
        thread.join();
    }
}

void IoThreads::finish() {
    std::lock_guard lock(mutex_);
    guards_.clear();
}

}  // namespace callsink
