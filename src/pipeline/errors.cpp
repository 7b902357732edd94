#include "callsink/pipeline/errors.hpp"

#include <string>

namespace callsink {

namespace {

class Category final : public boost::system::error_category {
  public:
    char const* name() const noexcept override { return "callsink"; }

    std::string message(int value) const override {
        switch (static_cast<Errc>(value)) {
            case Errc::queue_full:
                return "the write queue is full (delivery.queue_capacity records or 256 MiB); the "
                       "disk is behind";
            case Errc::stopped:
                return "callsink is shutting down";
        }
        return "unknown callsink error";
    }
};

}  // namespace

boost::system::error_category const& error_category() noexcept {
    static Category const category;
    return category;
}

}  // namespace callsink
