#include "callsink/base/move_only_function.hpp"

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>

namespace callsink {
namespace {

TEST(MoveOnlyFunction, IsEmptyUntilGivenACallable) {
    MoveOnlyFunction<void()> none;
    EXPECT_FALSE(none);
    MoveOnlyFunction<void()> some = [] {};
    EXPECT_TRUE(some);
}

TEST(MoveOnlyFunction, PassesArgumentsAndReturnsTheResult) {
    MoveOnlyFunction<int(int, std::string)> f = [](int n, std::string s) {
        return n + static_cast<int>(s.size());
    };
    EXPECT_EQ(f(2, "abc"), 5);
}

TEST(MoveOnlyFunction, OwnsMoveOnlyState) {
    auto owned = std::make_unique<int>(7);
    MoveOnlyFunction<int()> f = [p = std::move(owned)] { return *p; };
    MoveOnlyFunction<int()> g = std::move(f);
    EXPECT_FALSE(f);  // NOLINT(bugprone-use-after-move): moved-from is empty, as documented
    EXPECT_EQ(g(), 7);
}

TEST(MoveOnlyFunction, DestroysWhatItHoldsOnceWhereverItWasMoved) {
    auto shared = std::make_shared<int>(1);
    std::weak_ptr<int> watch = shared;
    {
        MoveOnlyFunction<void()> a = [held = std::move(shared)] {};
        MoveOnlyFunction<void()> b = std::move(a);
        MoveOnlyFunction<void()> c;
        c = std::move(b);
        EXPECT_EQ(watch.use_count(), 1);
    }
    EXPECT_TRUE(watch.expired());
}

TEST(MoveOnlyFunction, HoldsCallablesTooLargeToStoreInline) {
    auto shared = std::make_shared<int>(1);
    std::weak_ptr<int> watch = shared;
    std::array<long, 16> big{};
    big[15] = 42;
    {
        MoveOnlyFunction<long()> f = [big, held = std::move(shared)] { return big[15]; };
        MoveOnlyFunction<long()> g = std::move(f);
        EXPECT_EQ(g(), 42);
        g = [] { return 0L; };  // releases the large one
        EXPECT_TRUE(watch.expired());
        EXPECT_EQ(g(), 0);
    }
}

TEST(MoveOnlyFunction, AMutableCallableKeepsItsStateBetweenCalls) {
    MoveOnlyFunction<int()> counter = [n = 0]() mutable { return ++n; };
    counter();
    EXPECT_EQ(counter(), 2);
}

}  // namespace
}  // namespace callsink
