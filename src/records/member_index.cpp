#include "callsink/records/member_index.hpp"

namespace callsink {

bool MemberIndex::collect(JsonLexer& in, std::string_view nested_key, MemberIndex* nested) {
    count_ = 0;
    char const* const begin = in.position();
    bool const collected = in.object([&](std::string_view key) {
        if (count_ == items_.size()) {
            return false;
        }
        IndexedMember& member = items_[count_++];
        member.key = key;
        if (nested != nullptr && key == nested_key && in.peek() == '{') {
            if (!nested->collect(in)) {
                return false;
            }
            member.value = nested->text();
            return true;
        }
        return in.skip_value(member.value);
    });
    text_ = std::string_view(begin, static_cast<std::size_t>(in.position() - begin));
    return collected;
}

bool MemberIndex::collect(std::string_view text) {
    JsonLexer in(text);
    return collect(in) && in.done();
}

bool MemberIndex::assign_fields(ObjectSchema const& schema) {
    if (schema.fields.size() > by_field_.size()) {
        return false;
    }
    by_field_.fill(-1);
    std::size_t next = 0;  // deliveries mostly follow the list's order: try the next field first
    for (std::size_t i = 0; i < count_; ++i) {
        IndexedMember& member = items_[i];
        bool const in_order = next < schema.fields.size() && schema.fields[next].key == member.key;
        member.field = in_order ? static_cast<int>(next) : schema.find(member.key);
        if (member.field >= 0) {
            auto& slot = by_field_[static_cast<std::size_t>(member.field)];
            if (slot >= 0) {
                return false;
            }
            slot = static_cast<std::int8_t>(i);
            next = static_cast<std::size_t>(member.field) + 1;
            continue;
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (items_[j].field < 0 && items_[j].key == member.key) {
                return false;
            }
        }
    }
    return true;
}

}  // namespace callsink
