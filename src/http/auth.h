// The publisher's API key: where a request may carry it and how it is compared.
#pragma once

#include <string>
#include <string_view>

namespace proof::http {

/// Compares in time that depends only on the length of `given`, never on where the first
/// difference lies, so response timing reveals nothing about the key.
bool keys_equal(std::string_view expected, std::string_view given);

/// The key from `Authorization: Bearer KEY` or `X-API-Key: KEY` (empty when neither is set).
std::string key_from_headers(std::string_view authorization, std::string_view x_api_key);

}  // namespace proof::http
