#include "callsink/events/msisdn_field_protector.hpp"

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "callsink/events/msisdn_privacy.hpp"
#include "callsink/events/number_field_names.hpp"

namespace callsink {
namespace {

// Iterative, so a deeply nested `extra` cannot exhaust the stack.
void protect_json(MsisdnPrivacy const& privacy, Json& root) {
    NumberFieldNames const& names = privacy.number_fields();
    std::vector<std::pair<Json*, bool>> pending{{&root, false}};
    while (!pending.empty()) {
        auto [value, holds_number] = pending.back();
        pending.pop_back();
        if (value->is_string()) {
            auto& text = value->get_ref<std::string&>();
            text = holds_number ? privacy.protect_number(text) : privacy.scrub_text(text);
        } else if (value->is_number() && holds_number) {
            *value = privacy.protect_number(value->dump());
        } else if (value->is_object()) {
            for (auto it = value->begin(); it != value->end(); ++it) {
                pending.emplace_back(&it.value(), names.contains(it.key()));
            }
        } else if (value->is_array()) {
            for (auto& element : *value) {
                pending.emplace_back(&element, holds_number);
            }
        }
    }
}

// Walks a typed object's field list, as FieldReader does, and protects each field by the
// privacy its list gives it; what the list does not name (`extra`, eventData) is protected by
// member name and content.
class FieldProtector {
  public:
    explicit FieldProtector(MsisdnPrivacy const& privacy) : privacy_(privacy) {}

    void required(std::string_view /*key*/, std::string& value, TextRules rules = {}) {
        apply(value, rules.privacy);
    }
    void optional(std::string_view /*key*/, std::optional<std::string>& value,
                  TextRules rules = {}) {
        if (value) {
            apply(*value, rules.privacy);
        }
    }
    template <class T>
    void optional(std::string_view /*key*/, std::optional<T>& /*number_or_boolean*/) {}
    void timestamp(std::string_view /*key*/, std::optional<std::string>& /*value*/) {}
    void string_or_object(std::string_view /*key*/, std::optional<Json>& value) {
        if (value) {
            protect_json(privacy_, *value);
        }
    }
    template <class T>
    void object(std::string_view /*key*/, std::optional<T>& value) {
        if (value) {
            protect_object(*value);
        }
    }
    template <class T>
    void named_objects(std::string_view /*key*/, std::vector<T>& values) {
        protect_each(values);
    }
    template <class T>
    void required_list(std::string_view /*key*/, std::vector<T>& values) {
        protect_each(values);
    }

    template <class T>
    void protect_object(T& value) {
        visit_fields(value, *this);
        protect_json(privacy_, value.extra);
    }

    template <class T>
    void protect_each(std::vector<T>& values) {
        for (T& value : values) {
            protect_object(value);
        }
    }

  private:
    void apply(std::string& value, Privacy privacy) {
        switch (privacy) {
            case Privacy::none:
                return;
            case Privacy::phone_number:
                value = privacy_.protect_number(value);
                return;
            case Privacy::free_text:
                value = privacy_.scrub_text(value);
                return;
        }
    }

    MsisdnPrivacy const& privacy_;
};

}  // namespace

void protect_event_numbers(Event& event, MsisdnPrivacy const& privacy) {
    FieldProtector protector(privacy);
    protector.protect_object(event.envelope);
    std::visit([&protector](auto& payload) { protector.protect_object(payload); }, event.payload);
    for (ParseNote& note : event.notes) {
        note.value = privacy.scrub_text(note.value);
    }
}

}  // namespace callsink
