// An object's members, found without reading their values: each member's key and value text, and
// which field of a field list (events/field_schema.hpp) it is. The one-pass encoder indexes each
// typed object this way and then writes its members in the list's order, whatever order the
// delivery used (the 2026 CALL_STATUS example sends `payload` first): the index is what lets it
// write in that order without a tree. Finding the members looks only at quotes and brackets
// (JsonLexer::skip_value); the encoder checks each value when it writes it.
//
// Fixed capacity (one_pass::kObjectMemberCapacity members), no allocation: a wider object is
// refused, and the encoder leaves the delivery to the general path. An index is filled and read
// by one thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "callsink/base/json_lexer.hpp"
#include "callsink/events/field_schema.hpp"
#include "callsink/records/one_pass_capacities.hpp"

namespace callsink {

struct IndexedMember {
    std::string_view key;    // as written, between the quotes
    std::string_view value;  // the value's text
    int field;               // its index in the field list; -1: not in the list
};

class MemberIndex {
  public:
    // The members of the object at the cursor, in order, up to just past its closing brace.
    // False on a syntax error around the members or past the capacity. With `nested`, the value
    // of a member named `nested_key` that is an object has its own members collected into
    // `nested` on the way: the caller's pass crosses that object anyway (the envelope's
    // `payload`), so it is not crossed a second time.
    bool collect(JsonLexer& in, std::string_view nested_key = {}, MemberIndex* nested = nullptr);

    // The members of the object that `text` holds exactly.
    bool collect(std::string_view text);

    // Gives each member its index in `schema`'s list, or -1, and refuses a duplicate key (a
    // parser keeps one of them; the general path says which). Keys are compared as written: with
    // only the escapes JsonLexer::string accepts, a string has one way to be written.
    bool assign_fields(ObjectSchema const& schema);

    // The object's text, from '{' to '}', once collected.
    std::string_view text() const { return text_; }
    std::span<IndexedMember const> all() const { return {items_.data(), count_}; }

    // The first member named `key`, or nullptr. Inline: most keys asked for are constants.
    IndexedMember const* find(std::string_view key) const {
        for (IndexedMember const& member : all()) {
            if (member.key == key) {
                return &member;
            }
        }
        return nullptr;
    }

    // The member that is field `index` of the list given to assign_fields(), or nullptr.
    IndexedMember const* field(std::size_t index) const {
        return by_field_[index] < 0 ? nullptr : &items_[static_cast<std::size_t>(by_field_[index])];
    }

  private:
    // Left uninitialised on purpose (declare an index without braces): collect() and
    // assign_fields() fill a slot before it is read, and an index is set up for every typed
    // object of every delivery.
    std::array<IndexedMember, one_pass::kObjectMemberCapacity> items_;
    std::size_t count_ = 0;
    std::array<std::int8_t, one_pass::kListFieldCapacity> by_field_;  // in items_; -1: absent
    std::string_view text_;
};

}  // namespace callsink
