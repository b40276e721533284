// How Catch2 prints proof's types in a failed assertion.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "core/refusal.h"

namespace Catch {

template <>
struct StringMaker<proof::RejectReason> {
  static std::string convert(proof::RejectReason reason) {
    return std::string(proof::reason_label(reason));
  }
};

}  // namespace Catch
