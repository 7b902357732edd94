// The member names that hold a phone number, for the privacy walks that meet members no field
// list describes: a rejected body, which may not even parse (msisdn_text_scrubber.hpp), and the
// unknown members of an accepted one, `extra` and eventData (msisdn_field_protector.hpp). The
// names are derived, not listed: every text field marked Privacy::phone_number in a registered
// type's field list, at any depth, and the call action's (kCallActionNumberFields,
// event_types.hpp), which callsink does not parse. So a new type's number field is scrubbed from
// its rejected bodies with nothing else to change.
//
// Names match in any letter case: 8x8's pages spell the same member differently, and a number
// under "Source" is still a number. Immutable once built; safe to share between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/events/field_schema.hpp"

namespace callsink {

class NumberFieldNames {
  public:
    // The phone-number fields of `schemas`, at any depth, and the names in `more`.
    NumberFieldNames(std::span<ObjectSchema const* const> schemas,
                     std::span<std::string_view const> more);

    // Every registered type's, and the call action's: built on first use, never changed.
    static NumberFieldNames const& registered();

    // Whether `name` is one of them, in any letter case. Inline, and a name of a length none of
    // them has is refused at once: the text scrubber asks this at every quote of a rejected body.
    bool contains(std::string_view name) const noexcept {
        if (name.size() >= kLengthBits || ((lengths_ >> name.size()) & 1U) == 0) {
            return false;
        }
        for (std::string const& known : names_) {
            if (known.size() == name.size() && equals_lower_case(name, known)) {
                return true;
            }
        }
        return false;
    }

    // The longest name's length: a member name longer than this is none of them.
    std::size_t longest() const noexcept { return longest_; }

    // In lower case, sorted, each once.
    std::span<std::string const> names() const noexcept { return names_; }

  private:
    // Names are at most this long (kept in lengths_, one bit per length).
    static constexpr std::size_t kLengthBits = 32;

    static bool equals_lower_case(std::string_view name, std::string_view lower) noexcept {
        for (std::size_t i = 0; i < name.size(); ++i) {
            char const c = name[i];
            if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != lower[i]) {
                return false;
            }
        }
        return true;
    }

    void add(std::string_view name);
    void add_fields_of(ObjectSchema const& schema);

    std::vector<std::string> names_;
    std::size_t longest_ = 0;
    std::uint32_t lengths_ = 0;
};

}  // namespace callsink
