#include "callsink/journal/journal_errors.hpp"

#include <string>

namespace callsink {

namespace {

class Category final : public boost::system::error_category {
  public:
    char const* name() const noexcept override { return "callsink.journal"; }

    std::string message(int value) const override {
        switch (static_cast<JournalErrc>(value)) {
            case JournalErrc::full:
                return "the journal is full (journal.max_bytes not yet forwarded); a forwarded "
                       "sink is behind";
            case JournalErrc::closed:
                return "the journal is closed";
        }
        return "unknown journal error";
    }
};

}  // namespace

boost::system::error_category const& journal_category() noexcept {
    static Category const category;
    return category;
}

}  // namespace callsink
