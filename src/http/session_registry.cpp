#include "callsink/http/session_registry.hpp"

namespace callsink {

std::uint64_t SessionRegistry::add(std::weak_ptr<Session> session) {
    std::lock_guard lock(mutex_);
    std::uint64_t const id = next_id_++;
    sessions_.emplace(id, std::move(session));
    return id;
}

void SessionRegistry::remove(std::uint64_t id) {
    std::function<void()> on_empty;
    {
        std::lock_guard lock(mutex_);
        sessions_.erase(id);
        if (sessions_.empty()) {
            on_empty = std::move(on_empty_);
            on_empty_ = nullptr;
        }
    }
    if (on_empty) {
        on_empty();
    }
}

std::size_t SessionRegistry::size() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

std::vector<std::shared_ptr<Session>> SessionRegistry::snapshot() const {
    std::vector<std::shared_ptr<Session>> alive;
    std::lock_guard lock(mutex_);
    for (auto const& [id, weak] : sessions_) {
        if (auto session = weak.lock()) {
            alive.push_back(std::move(session));
        }
    }
    return alive;
}

void SessionRegistry::when_empty(std::function<void()> on_empty) {
    {
        std::lock_guard lock(mutex_);
        if (!sessions_.empty()) {
            on_empty_ = std::move(on_empty);
            return;
        }
    }
    on_empty();
}

void SessionRegistry::cancel_when_empty() {
    std::lock_guard lock(mutex_);
    on_empty_ = nullptr;
}

}  // namespace callsink
