// What the privacy tests look for in a fixture and in what callsink made of it: the phone numbers
// the fixture carries, and whether any run of their digits survived.
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fixtures.hpp"

namespace callsink::testing {

inline std::string digits_of(std::string_view text) {
    std::string digits;
    std::copy_if(text.begin(), text.end(), std::back_inserter(digits),
                 [](char c) { return c >= '0' && c <= '9'; });
    return digits;
}

// The values of every member named like a number field, at any depth. The names are written
// out here rather than taken from NumberFieldNames, so that the tests check that list.
inline void collect_numbers(nlohmann::ordered_json const& json, std::set<std::string>& numbers) {
    constexpr std::string_view kNames[] = {"source", "destination", "sourceMsisdn", "targetMsisdn",
                                           "msisdn"};
    if (json.is_object()) {
        for (auto it = json.begin(); it != json.end(); ++it) {
            bool const named =
                std::find(std::begin(kNames), std::end(kNames), it.key()) != std::end(kNames);
            if (named && it->is_string()) {
                numbers.insert(it->get<std::string>());
            }
            collect_numbers(*it, numbers);
        }
    } else if (json.is_array()) {
        for (auto const& element : json) {
            collect_numbers(element, numbers);
        }
    }
}

// The phone numbers of the fixture `name`.
inline std::set<std::string> numbers_in(std::string_view name) {
    std::set<std::string> numbers;
    collect_numbers(nlohmann::ordered_json::parse(fixture(name)), numbers);
    return numbers;
}

// Every run of 7 consecutive digits of `number` that `text` still contains.
inline std::vector<std::string> leaked_runs(std::string_view text, std::string_view number) {
    constexpr std::size_t kRun = 7;
    std::string const digits = digits_of(number);
    std::vector<std::string> leaked;
    for (std::size_t i = 0; i + kRun <= digits.size(); ++i) {
        std::string const run = digits.substr(i, kRun);
        if (text.find(run) != std::string_view::npos) {
            leaked.push_back(run);
        }
    }
    return leaked;
}

}  // namespace callsink::testing
