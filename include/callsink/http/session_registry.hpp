// Tracks the open connections, so shutdown can ask each to finish and max_connections can be
// enforced. Holds weak references only: a session's lifetime is its handlers' shared_ptr.
// Thread-safe. Sessions keep the registry alive through a shared_ptr, so a session destroyed late
// (its last completion arriving after the server object is gone) still unregisters safely.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace callsink {

class Session;

class SessionRegistry {
  public:
    std::uint64_t add(std::weak_ptr<Session> session);
    void remove(std::uint64_t id);
    std::size_t size() const;

    // The sessions still alive now.
    std::vector<std::shared_ptr<Session>> snapshot() const;

    // Runs `on_empty` (on the calling thread) as soon as no session is left: now, if none is.
    void when_empty(std::function<void()> on_empty);

    // Forgets a callback given to when_empty() that has not run yet.
    void cancel_when_empty();

  private:
    mutable std::mutex mutex_;
    std::uint64_t next_id_ = 1;
    std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions_;
    std::function<void()> on_empty_;
};

}  // namespace callsink
