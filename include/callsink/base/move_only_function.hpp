// std::move_only_function (C++23) for C++20, as far as callsink needs it: a type-erased callable
// that may own move-only state and is stored inline when it fits in two pointers (a lambda holding
// a shared_ptr). The reply callbacks a delivery passes from the session through the request
// handler to the pipeline then cost no allocation of their own; libstdc++'s std::function puts
// anything that is not trivially copyable on the heap. Larger callables still go there.
//
// Why not std::move_only_function: Debian 12's g++ 12 and clang 14 offer it only with -std=c++23,
// and a build of callsink in C++23 with it in place of this class cost 3 to 7% more CPU per
// delivery on bench/run.py (13.0-13.6 us against 12.6-12.7 us, keep-alive and new connections,
// 2026-12-01; docs/performance.md). Revisit when the project moves to C++23 for other reasons.
//
// Not thread-safe: one thread at a time may call, move or destroy a given instance.
#pragma once

#include <cassert>
#include <cstddef>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

namespace callsink {

template <typename Signature>
class MoveOnlyFunction;

template <typename R, typename... Args>
class MoveOnlyFunction<R(Args...)> {
  public:
    MoveOnlyFunction() noexcept = default;

    // Implicit, as std::function's: callers pass lambdas.
    template <typename F>
    requires(!std::is_same_v<std::decay_t<F>, MoveOnlyFunction> &&
             std::is_invocable_r_v<R, std::decay_t<F>&, Args...>) MoveOnlyFunction(F&& f) {
        using Target = std::decay_t<F>;
        if constexpr (kFitsInline<Target>) {
            ::new (static_cast<void*>(storage_)) Target(std::forward<F>(f));
            ops_ = &Inline<Target>::kOps;
        } else {
            ::new (static_cast<void*>(storage_)) Target*(new Target(std::forward<F>(f)));
            ops_ = &Boxed<Target>::kOps;
        }
    }

    MoveOnlyFunction(MoveOnlyFunction&& other) noexcept { take(other); }

    MoveOnlyFunction& operator=(MoveOnlyFunction&& other) noexcept {
        if (this != &other) {
            reset();
            take(other);
        }
        return *this;
    }

    ~MoveOnlyFunction() { reset(); }

    explicit operator bool() const noexcept { return ops_ != nullptr; }

    R operator()(Args... args) {
        assert(ops_ != nullptr && "called an empty MoveOnlyFunction");
        return ops_->invoke(storage_, std::forward<Args>(args)...);
    }

  private:
    struct Ops {
        R (*invoke)(void* storage, Args&&... args);
        void (*relocate)(void* from, void* to) noexcept;  // leaves `from` destroyed
        void (*destroy)(void* storage) noexcept;
    };

    static constexpr std::size_t kInlineSize = 2 * sizeof(void*);

    // Inline only what moves without throwing, so that moving this never throws either.
    template <typename T>
    static constexpr bool kFitsInline =
        sizeof(T) <= kInlineSize &&
        alignof(T) <= alignof(std::max_align_t) && std::is_nothrow_move_constructible_v<T>;

    template <typename T>
    static R call(T& target, Args&&... args) {
        if constexpr (std::is_void_v<R>) {
            std::invoke(target, std::forward<Args>(args)...);
        } else {
            return std::invoke(target, std::forward<Args>(args)...);
        }
    }

    template <typename T>
    struct Inline {
        static T& get(void* storage) noexcept { return *std::launder(static_cast<T*>(storage)); }
        static R invoke(void* storage, Args&&... args) {
            return call(get(storage), std::forward<Args>(args)...);
        }
        static void relocate(void* from, void* to) noexcept {
            ::new (to) T(std::move(get(from)));
            get(from).~T();
        }
        static void destroy(void* storage) noexcept { get(storage).~T(); }
        static constexpr Ops kOps{&invoke, &relocate, &destroy};
    };

    template <typename T>
    struct Boxed {
        static T*& get(void* storage) noexcept { return *std::launder(static_cast<T**>(storage)); }
        static R invoke(void* storage, Args&&... args) {
            return call(*get(storage), std::forward<Args>(args)...);
        }
        static void relocate(void* from, void* to) noexcept { ::new (to) T*(get(from)); }
        static void destroy(void* storage) noexcept { delete get(storage); }
        static constexpr Ops kOps{&invoke, &relocate, &destroy};
    };

    void take(MoveOnlyFunction& other) noexcept {
        ops_ = std::exchange(other.ops_, nullptr);
        if (ops_ != nullptr) {
            ops_->relocate(other.storage_, storage_);
        }
    }

    void reset() noexcept {
        if (ops_ != nullptr) {
            std::exchange(ops_, nullptr)->destroy(storage_);
        }
    }

    alignas(std::max_align_t) unsigned char storage_[kInlineSize];
    Ops const* ops_ = nullptr;
};

}  // namespace callsink
