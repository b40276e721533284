// How Catch2 prints proof's types in a failed assertion.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "core/refusal.h"

namespace Catch {

template <>
struct StringMaker<proof::core::RejectReason> {
  static std::string convert(proof::core::RejectReason reason) {
    return std::string(proof::core::reason_label(reason));
  }
};

}  // namespace Catch
